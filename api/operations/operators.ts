import { z } from 'zod';
import { Username } from '../admin.js';
import { operation, RecordId, type OperationSpec } from '../operation-spec.js';
import { OperatorRole, Permission } from '../permissions.js';
import { AuthenticationResponseJSON, RequestOptionsJSON } from '../webauthn.js';

/** The signed-in agent as the console shows them: who, and what their roles let them do. */
export const AgentView = z.object({
  username: z.string(),
  displayName: z.string(),
  roles: z.array(OperatorRole),
  permissions: z.array(Permission),
});
export type AgentView = z.infer<typeof AgentView>;

export const ConsoleSignInOptionsRequest = z.strictObject({ username: Username });
export const ConsoleSignInOptionsResponse = z.object({ ceremonyId: z.string(), options: RequestOptionsJSON });
export const ConsoleSignInRequest = z.strictObject({ ceremonyId: z.string().min(1).max(64), response: AuthenticationResponseJSON });
export const ConsoleSessionResponse = z.object({
  /** Sent back as `Authorization: Console <token>`; the console keeps it in memory only. */
  token: z.string(),
  expiresAt: z.iso.datetime(),
  idleEndsAt: z.iso.datetime(),
  agent: AgentView,
});
export type ConsoleSessionResponse = z.infer<typeof ConsoleSessionResponse>;

export const OperatorView = z.object({ username: z.string(), displayName: z.string(), roles: z.array(OperatorRole) });
export const OperatorParams = z.object({ username: Username });
export const OperatorRoleParams = z.object({ username: Username, role: OperatorRole });
export const GrantRoleRequest = z.strictObject({ role: OperatorRole });

export const IssueTokenRequest = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(Permission).min(1),
  /** Absent: the token lasts until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export const ApiTokenView = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  scopes: z.array(Permission),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type ApiTokenView = z.infer<typeof ApiTokenView>;
/** The token itself is shown once, here. */
export const IssuedToken = ApiTokenView.extend({ token: z.string() });
export type IssuedToken = z.infer<typeof IssuedToken>;

/** The HTTP operations of operator accounts: console sign-in, API tokens, roles (merged into api/http.ts). */
export const operatorOperations = {
  consoleSignInOptions: operation({
    method: 'POST',
    path: '/v1/console/sign-in/options',
    summary: "WebAuthn request options for an agent's console sign-in (an unknown username or one without a role answers alike)",
    auth: 'none',
    clientLimited: true,
    body: ConsoleSignInOptionsRequest,
    response: ConsoleSignInOptionsResponse,
    status: 200,
  }),
  consoleSignIn: operation({
    method: 'POST',
    path: '/v1/console/sign-in',
    summary: "Verify an agent's assertion (console origin, user verification) and open a short console session",
    auth: 'none',
    clientLimited: true,
    body: ConsoleSignInRequest,
    response: ConsoleSessionResponse,
    status: 200,
  }),
  consoleMe: operation({
    method: 'GET',
    path: '/v1/console/me',
    summary: 'The signed-in operator: username, roles, permissions',
    auth: 'admin',
    response: AgentView,
    status: 200,
  }),
  consoleSignOut: operation({
    method: 'POST',
    path: '/v1/console/sign-out',
    summary: 'End this console session',
    auth: 'admin',
    status: 204,
  }),
  listOperators: operation({
    method: 'GET',
    path: '/v1/admin/operators',
    summary: 'Accounts holding an operator role',
    auth: 'admin',
    permission: 'operators:manage',
    response: z.array(OperatorView),
    status: 200,
  }),
  grantOperatorRole: operation({
    method: 'POST',
    path: '/v1/admin/operators/{username}/roles',
    summary: "Grant a person's account an operator role",
    auth: 'admin',
    permission: 'operators:manage',
    params: OperatorParams,
    body: GrantRoleRequest,
    response: OperatorView,
    status: 200,
  }),
  revokeOperatorRole: operation({
    method: 'DELETE',
    path: '/v1/admin/operators/{username}/roles/{role}',
    summary: 'Revoke an operator role; its permissions leave the account and its API tokens at once',
    auth: 'admin',
    permission: 'operators:manage',
    params: OperatorRoleParams,
    response: OperatorView,
    status: 200,
  }),
  issueApiToken: operation({
    method: 'POST',
    path: '/v1/admin/operators/{username}/tokens',
    summary: 'Issue an API token bound to this account, scopes within its roles; the token is shown once',
    auth: 'admin',
    permission: 'operators:manage',
    params: OperatorParams,
    body: IssueTokenRequest,
    response: IssuedToken,
    status: 201,
  }),
  listApiTokens: operation({
    method: 'GET',
    path: '/v1/admin/tokens',
    summary: 'API tokens (never the secrets)',
    auth: 'admin',
    permission: 'operators:manage',
    response: z.array(ApiTokenView),
    status: 200,
  }),
  revokeApiToken: operation({
    method: 'POST',
    path: '/v1/admin/tokens/{id}/revoke',
    summary: 'Revoke an API token; it is refused from the next call',
    auth: 'admin',
    permission: 'operators:manage',
    params: RecordId,
    status: 204,
  }),
} as const satisfies Record<string, OperationSpec>;
