import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { configFromEnv } from '../config.js';
import { migrate, openDatabase } from '../db/open.js';
import { createServices } from '../services.js';
import { noMetadata } from '../policy/evaluate.js';
import { PolicyStore } from '../policy/store.js';
import { missingOption, RECOVERY_COMMANDS, RECOVERY_USAGE, runRecoveryCommand } from './recovery-commands.js';
import { BACKUP_USAGE, runBackupCommand } from './backup.js';
import { auditCommands } from './audit-commands.js';
import type { AdminCommands } from './command.js';
import { moverCommands } from './mover-commands.js';
import { breakGlassCommands } from './break-glass-commands.js';
import { emergencyCommands } from './emergency-commands.js';
import { operatorCommands } from './operator-commands.js';
import { provisioningCommands } from './provisioning-commands.js';
import { reportCommands } from './report-commands.js';
import { missingStationOption, runStationCommand, STATION_COMMANDS, STATION_USAGE } from './station-commands.js';

/** Commands that parse their own options (server/admin/command.ts). */
const COMMANDS: AdminCommands = {
  ...operatorCommands,
  ...provisioningCommands,
  ...auditCommands,
  ...reportCommands,
  ...moverCommands,
  ...breakGlassCommands,
  ...emergencyCommands,
};

const USAGE = `firstkey-admin: manage FirstKey users, enrolment codes, recoveries and kiosk stations; back up the database

  npm run admin -- create-user --username ada.new --name "Ada Lovelace" [--email a@corp.example] [--role engineer] [--contractor] [--service | --break-glass]
  npm run admin -- issue-code --username ada.new [--ttl 3600]
  npm run admin -- list-devices
  npm run admin -- revoke-device --id <device id>
${RECOVERY_USAGE}
${STATION_USAGE}
${BACKUP_USAGE}
${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}

Works on the server's database (FIRSTKEY_DATA_DIR, default .firstkey-data).`;

/** Opens and migrates the database, runs one of COMMANDS on it, and closes it whatever happens. */
async function runOwnCommand(command: AdminCommands[string], args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void) {
  const config = configFromEnv(env);
  const database = await openDatabase(config, 'tool');
  try {
    await migrate(database);
    const services = createServices({
      db: database.db,
      clock: systemClock,
      config,
      policy: await PolicyStore.open(config.policyFile),
      attestation: noMetadata,
    });
    return await command.run(args, { services, db: database.db, config, env, actor: `cli:${env.USER ?? 'operator'}`, out });
  } catch (error) {
    out(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}

/** The admin CLI: the same service calls as the admin API, with the operator named in the audit trail. */
export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  // Before the shared option parsing and database opening below: a backup has its own option, and
  // must neither create the database it copies nor migrate it.
  if (command === 'backup') return runBackupCommand(rest, env, out);
  const own = command ? COMMANDS[command] : undefined;
  if (own) return runOwnCommand(own, rest, env, out);
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      service: { type: 'boolean' },
      'break-glass': { type: 'boolean' },
      contractor: { type: 'boolean' },
      ttl: { type: 'string' },
      id: { type: 'string' },
      request: { type: 'string' },
      checklist: { type: 'string' },
      reason: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
  const commands = ['create-user', 'issue-code', 'list-devices', 'revoke-device', ...RECOVERY_COMMANDS, ...STATION_COMMANDS];
  if (!command || !commands.includes(command)) {
    out(USAGE);
    return command ? 2 : 0;
  }
  if ((command === 'create-user' || command === 'issue-code') && !values.username) {
    out('--username is required');
    return 2;
  }
  if (command === 'revoke-device' && !values.id) {
    out('--id is required (see list-devices)');
    return 2;
  }
  const missing = missingOption(command, values) ?? missingStationOption(command, values);
  if (missing) {
    out(missing);
    return 2;
  }
  const config = configFromEnv(env);
  const database = await openDatabase(config, 'tool');
  const { db } = database;
  try {
    await migrate(database);
    // The CLI judges no registrations, so it needs no attestation metadata.
    const services = createServices({
      db,
      clock: systemClock,
      config,
      policy: await PolicyStore.open(config.policyFile),
      attestation: noMetadata,
    });
    const actor = `cli:${env.USER ?? 'operator'}`;
    if (STATION_COMMANDS.includes(command)) {
      await runStationCommand(services, command, values, actor, out);
    } else if (RECOVERY_COMMANDS.includes(command)) {
      await runRecoveryCommand(services, command, values, out, env.FIRSTKEY_TOKEN);
    } else if (command === 'list-devices') {
      for (const d of await services.devices.list()) {
        out(
          `${d.id}  ${d.name}  ${d.platform} ${d.os_version}  app ${d.app_version}  ${d.kind}  last seen ${d.last_seen_at}${d.revoked_at ? `  REVOKED ${d.revoked_at}` : ''}`,
        );
      }
    } else if (command === 'revoke-device') {
      await services.devices.revoke(values.id ?? '', actor);
      out(`Revoked device ${values.id}: its codes, sessions and calls are refused from now on.`);
    } else if (command === 'create-user') {
      const user = await services.accounts.createUser(
        {
          username: values.username ?? '',
          displayName: values.name ?? values.username ?? '',
          email: values.email,
          role: values.role,
          accountKind: values.service ? 'service' : values['break-glass'] ? 'break-glass' : 'human',
          employmentType: values.contractor ? 'contractor' : 'employee',
        },
        actor,
      );
      out(`Created ${user.username} (${user.accountKind}, role ${user.role})`);
    } else {
      const ttl = values.ttl ? Number.parseInt(values.ttl, 10) : undefined;
      const code = await services.accounts.issueCode(values.username ?? '', actor, ttl);
      out(`Enrolment code for ${values.username}: ${code.code}\nLink: ${code.link}\nExpires: ${code.expiresAt}`);
    }
    return 0;
  } catch (error) {
    out(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await database.close();
  }
}
