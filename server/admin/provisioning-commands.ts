import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importJoiners, JoinersFileError, type ImportReport } from '../provisioning/csv-import.js';
import { progressWriter } from '../provisioning/progress.js';
import type { AdminCommands, CommandContext } from './command.js';

function reportLines(report: ImportReport): string[] {
  return [
    `Rows: ${report.rows}`,
    `Created: ${report.created}${report.invited > 0 ? ` (${report.invited} enrolment codes sent to the notification outbox)` : ''}`,
    `Updated: ${report.updated}`,
    `Unchanged: ${report.unchanged}`,
    `Refused: ${report.refused.length}`,
    ...report.refused.map((r) => `  line ${r.line}${r.username ? ` (${r.username})` : ''}: ${r.reason}`),
  ];
}

async function userIdOf(context: CommandContext, username: string | undefined): Promise<string | null> {
  if (!username) {
    context.out('Error: --username is required');
    return null;
  }
  const person = await context.services.provisioning.byUsername(username);
  if (!person) {
    context.out(`Error: no user ${username}`);
    return null;
  }
  return person.user.id;
}

/** Joiners and leavers without SCIM: CSV import, and deactivating or re-activating one person. */
export const provisioningCommands: AdminCommands = {
  'import-joiners': {
    usage:
      '  npm run admin -- import-joiners joiners.csv [--issue-codes]   (columns: username,displayName,email,role,employmentType,manager,endDate)',
    async run(args, context) {
      const { values, positionals } = parseArgs({ args, options: { 'issue-codes': { type: 'boolean' } }, allowPositionals: true });
      const file = positionals[0];
      if (!file || positionals.length > 1) {
        context.out('Error: name one joiners file: import-joiners joiners.csv [--issue-codes]');
        return 2;
      }
      try {
        const report = await importJoiners(context.services.provisioning, await readFile(file, 'utf8'), {
          issueCodes: values['issue-codes'] === true,
          actor: context.actor,
          progress: progressWriter(process.stderr),
        });
        for (const line of reportLines(report)) context.out(line);
        return report.refused.length > 0 ? 1 : 0;
      } catch (error) {
        if (!(error instanceof JoinersFileError)) throw error;
        context.out(`Error: ${error.message}; nothing was imported`);
        return 2;
      }
    },
  },
  'deactivate-user': {
    usage: '  npm run admin -- deactivate-user --username ada.new   (revokes every factor, device and session at once)',
    async run(args, context) {
      const { values } = parseArgs({ args, options: { username: { type: 'string' } } });
      const userId = await userIdOf(context, values.username);
      if (!userId) return 2;
      const counts = await context.services.provisioning.deactivate(userId, context.actor, 'cli');
      if (!counts) {
        context.out(`${values.username} was already deactivated`);
        return 0;
      }
      context.out(
        `Deactivated ${values.username}: ${counts.factors} factors, ${counts.devices} devices and ${counts.sessions} sessions revoked; ` +
          `${counts.enrolmentCodes} enrolment codes, ${counts.recoveryRequests} recovery requests and ${counts.deviceApprovals} device approvals ended; ` +
          `${counts.consoleSessions} console sessions, ${counts.apiTokens} API tokens, ${counts.operatorRoles} operator roles and ${counts.emergencyGrants} emergency grants ended`,
      );
      return 0;
    },
  },
  'reactivate-user': {
    usage: '  npm run admin -- reactivate-user --username ada.new   (active again with no factor: issue a new code)',
    async run(args, context) {
      const { values } = parseArgs({ args, options: { username: { type: 'string' } } });
      const userId = await userIdOf(context, values.username);
      if (!userId) return 2;
      if (!(await context.services.provisioning.reactivate(userId, context.actor, 'cli'))) {
        context.out(`${values.username} is active already`);
        return 0;
      }
      context.out(`Re-activated ${values.username} with no factor: npm run admin -- issue-code --username ${values.username ?? ''}`);
      return 0;
    },
  },
};
