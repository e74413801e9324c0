import { parseArgs } from 'node:util';
import { OperatorRole, Permission } from '../../api/permissions.js';
import type { AdminCommand, AdminCommands, CommandContext } from './command.js';

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** A command whose options are all strings, each required unless listed as optional. */
function command(
  usage: string,
  names: { required: string[]; optional?: string[] },
  body: (v: Record<string, string | undefined>, context: CommandContext) => Promise<void>,
): AdminCommand {
  const options: Options = Object.fromEntries([...names.required, ...(names.optional ?? [])].map((n) => [n, { type: 'string' }]));
  return {
    usage,
    async run(args, context) {
      const { values } = parseArgs({ args, options });
      const v = values as Record<string, string | undefined>;
      const missing = names.required.find((n) => !v[n]);
      if (missing) {
        context.out(`--${missing} is required`);
        return 2;
      }
      await body(v, context);
      return 0;
    },
  };
}

function role(value: string | undefined): OperatorRole {
  const parsed = OperatorRole.safeParse(value);
  if (!parsed.success) throw new Error(`--role: one of ${OperatorRole.options.join(', ')}`);
  return parsed.data;
}

/** Operator accounts: roles and API tokens. */
export const operatorCommands: AdminCommands = {
  'grant-role': command(
    '  npm run admin -- grant-role --username <username> --role helpdesk|admin|auditor',
    { required: ['username', 'role'] },
    async (v, { services, actor, out }) => {
      const view = await services.operatorRoles.grant(v.username ?? '', role(v.role), actor);
      out(`${view.username} holds ${view.roles.join(', ')}.`);
    },
  ),
  'revoke-role': command(
    '  npm run admin -- revoke-role --username <username> --role helpdesk|admin|auditor',
    { required: ['username', 'role'] },
    async (v, { services, actor, out }) => {
      const view = await services.operatorRoles.revoke(v.username ?? '', role(v.role), actor);
      out(`${view.username} holds ${view.roles.join(', ') || 'no role'}.`);
    },
  ),
  'list-operators': command('  npm run admin -- list-operators', { required: [] }, async (_v, { services, out }) => {
    const operators = await services.operatorRoles.list();
    if (operators.length === 0) out('No operator accounts.');
    for (const o of operators) out(`${o.username}  ${o.displayName}  ${o.roles.join(', ')}`);
  }),
  'issue-token': command(
    '  npm run admin -- issue-token --username <username> --name <what it is for> --scopes <permission,...> [--days 90]',
    { required: ['username', 'name', 'scopes'], optional: ['days'] },
    async (v, { services, actor, out }) => {
      const scopes = (v.scopes ?? '').split(',').map((s) => Permission.parse(s.trim()));
      const days = v.days === undefined ? undefined : Number.parseInt(v.days, 10);
      const issued = await services.apiTokens.issue(v.username ?? '', { name: v.name ?? '', scopes, expiresInDays: days }, actor);
      out(`Token ${issued.id} for ${issued.username} (${issued.scopes.join(', ')}), shown once:`);
      out(issued.token);
      out(issued.expiresAt ? `It expires ${issued.expiresAt}.` : 'It lasts until revoked (revoke-token).');
    },
  ),
  'list-tokens': command('  npm run admin -- list-tokens', { required: [] }, async (_v, { services, out }) => {
    for (const t of await services.apiTokens.list()) {
      const state = t.revokedAt ? `REVOKED ${t.revokedAt}` : t.expiresAt ? `until ${t.expiresAt}` : 'no expiry';
      out(`${t.id}  ${t.username}  "${t.name}"  ${t.scopes.join(',')}  ${state}  last used ${t.lastUsedAt ?? 'never'}`);
    }
  }),
  'revoke-token': command('  npm run admin -- revoke-token --id <token id>', { required: ['id'] }, async (v, { services, actor, out }) => {
    await services.apiTokens.revoke(v.id ?? '', actor);
    out(`Token ${v.id ?? ''} revoked.`);
  }),
};
