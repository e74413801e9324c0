import type { operatorOperations } from '../../../api/operations/operators.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of operator accounts: console sign-in, API tokens, roles do, each one call into the services. */
export function operatorHandlers(services: Services): HandlerSet<typeof operatorOperations> {
  const { consoleSessions, apiTokens, operatorRoles } = services;
  return {
    consoleSignInOptions: async ({ body }) => consoleSessions.signIn.options(body.username),
    consoleSignIn: async ({ body }) => consoleSessions.signIn.signIn(body),
    consoleMe: async ({ principal }) => consoleSessions.me(principal),
    consoleSignOut: async ({ principal }) => consoleSessions.signOut(principal),
    listOperators: async () => operatorRoles.list(),
    grantOperatorRole: async ({ actor, params, body }) => operatorRoles.grant(params.username, body.role, actor),
    revokeOperatorRole: async ({ actor, params }) => operatorRoles.revoke(params.username, params.role, actor),
    issueApiToken: async ({ params, body, principal }) => apiTokens.issue(params.username, body, principal.actor, principal.accountId),
    listApiTokens: async () => apiTokens.list(),
    revokeApiToken: async ({ actor, params }) => apiTokens.revoke(params.id, actor),
  };
}
