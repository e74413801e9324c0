import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { configFromEnv } from '../config.js';
import { migrate, openSqlite } from '../db/open.js';
import { EnrolmentService } from '../enrolment/service.js';

const USAGE = `firstkey-admin: manage FirstKey users and enrolment codes

  npm run admin -- create-user --username ada.new --name "Ada Lovelace" [--email a@corp.example] [--role engineer] [--service]
  npm run admin -- issue-code --username ada.new [--ttl 3600]

Works on the server's database (FIRSTKEY_DATA_DIR, default .firstkey-data).`;

/** The admin CLI: the same service calls as the admin API, with the operator named in the audit trail. */
export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      service: { type: 'boolean' },
      ttl: { type: 'string' },
    },
  });
  if (command !== 'create-user' && command !== 'issue-code') {
    out(USAGE);
    return command ? 2 : 0;
  }
  if (!values.username) {
    out('--username is required');
    return 2;
  }
  const config = configFromEnv(env);
  const db = openSqlite(config.dataDir);
  try {
    await migrate(db);
    const service = new EnrolmentService({ db, clock: systemClock, config });
    const actor = `cli:${env.USER ?? 'operator'}`;
    if (command === 'create-user') {
      const user = await service.createUser(
        {
          username: values.username,
          displayName: values.name ?? values.username,
          email: values.email,
          role: values.role,
          accountKind: values.service ? 'service' : 'human',
        },
        actor,
      );
      out(`Created ${user.username} (${user.accountKind}, role ${user.role})`);
    } else {
      const ttl = values.ttl ? Number.parseInt(values.ttl, 10) : undefined;
      const code = await service.issueCode(values.username, actor, ttl);
      out(`Enrolment code for ${values.username}: ${code.code}\nLink: ${code.link}\nExpires: ${code.expiresAt}`);
    }
    return 0;
  } catch (error) {
    out(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db.destroy();
  }
}
