import { parseArgs } from 'node:util';
import { EmergencyGrantStatus, type EmergencyGrantView } from '../../api/operations/emergency-access.js';
import type { Permission } from '../../api/permissions.js';
import type { Principal } from '../operators/principal.js';
import type { Services } from '../services.js';
import type { AdminCommands, CommandContext } from './command.js';

function describe(g: EmergencyGrantView): string {
  const decided = g.decidedBy ? `  ${g.status === 'denied' ? 'denied' : 'approved'} by ${g.decidedBy} at ${g.decidedAt}` : '';
  const ended = g.endedBy ? `  ended by ${g.endedBy} at ${g.endedAt}` : '';
  return `${g.reference}  ${g.status}  ${g.serviceAccount} for ${g.owner}  ${g.minutes} min  asked ${g.requestedAt}  until ${g.expiresAt}  uses ${g.uses}${decided}${ended}  reason: ${g.reason}`;
}

/** The person at the terminal, as the API resolves the token in FIRSTKEY_TOKEN: never a name typed here. */
async function tokenPrincipal(services: Services, token: string | undefined, needs: Permission): Promise<Principal> {
  const principal = token ? await services.apiTokens.principal(token) : null;
  if (!principal) throw new Error('set FIRSTKEY_TOKEN to your own API token (issue-token): emergency access is decided by a person');
  if (!principal.permissions.has(needs)) throw new Error(`${principal.actor} may not do this: the token needs ${needs}`);
  return principal;
}

function grantOptions(args: string[]): { grant: string; reason: string } {
  const { values } = parseArgs({ args, options: { grant: { type: 'string' }, reason: { type: 'string' } } });
  if (!values.grant) throw new Error('--grant is required (the reference, e.g. K7MQ-4QX9, or the id)');
  if (!values.reason || values.reason.trim().length < 10) throw new Error('--reason is required: say why, in at least 10 characters');
  return { grant: values.grant, reason: values.reason.trim() };
}

async function decide(args: string[], context: CommandContext, decision: 'approve' | 'deny'): Promise<number> {
  const { grant, reason } = grantOptions(args);
  const principal = await tokenPrincipal(context.services, context.env.FIRSTKEY_TOKEN, 'emergency:decide');
  context.out(describe(await context.services.emergencyAccess.decide(grant, decision, reason, principal)));
  return 0;
}

/** Emergency human-backed access to service accounts (server/emergency-access/). */
export const emergencyCommands: AdminCommands = {
  'set-service-owner': {
    usage: '  npm run admin -- set-service-owner --service <service account> --owner <username>',
    async run(args, context) {
      const { values } = parseArgs({ args, options: { service: { type: 'string' }, owner: { type: 'string' } } });
      if (!values.service || !values.owner) throw new Error('--service and --owner are required');
      const set = await context.services.emergencyAccess.setOwner(values.service, values.owner, context.actor);
      context.out(`${set.owner} now owns ${set.serviceAccount} and may ask for emergency access to it`);
      return 0;
    },
  },
  'emergency-grants': {
    usage: '  npm run admin -- emergency-grants [--status requested|approved|active|denied|expired|ended]   (every grant, newest first)',
    async run(args, context) {
      const { values } = parseArgs({ args, options: { status: { type: 'string' } } });
      const status = values.status === undefined ? undefined : EmergencyGrantStatus.parse(values.status);
      const grants = await context.services.emergencyAccess.list(status);
      if (grants.length === 0) context.out('No emergency-access grants.');
      for (const g of grants) context.out(describe(g));
      return 0;
    },
  },
  'approve-emergency': {
    usage:
      '  npm run admin -- approve-emergency --grant <reference> --reason "..."   (as the admin of FIRSTKEY_TOKEN; never your own request)',
    run: (args, context) => decide(args, context, 'approve'),
  },
  'deny-emergency': {
    usage: '  npm run admin -- deny-emergency --grant <reference> --reason "..."',
    run: (args, context) => decide(args, context, 'deny'),
  },
  'end-emergency': {
    usage: '  npm run admin -- end-emergency --grant <reference> --reason "..."   (its token stops working at once)',
    async run(args, context) {
      const { grant, reason } = grantOptions(args);
      const principal = await tokenPrincipal(context.services, context.env.FIRSTKEY_TOKEN, 'emergency:decide');
      context.out(describe(await context.services.emergencyAccess.end(grant, reason, principal)));
      return 0;
    },
  },
};
