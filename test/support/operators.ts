import type { AuthenticationResponseJSON } from '../../api/webauthn.js';
import type { ConsoleSessionResponse, IssuedToken } from '../../api/operations/operators.js';
import { ROLE_PERMISSIONS, type OperatorRole, type Permission } from '../../api/permissions.js';
import type { OperationName } from '../../api/http.js';
import { ConsoleSignInOptionsResponse } from '../../api/operations/operators.js';
import { type Api, expectAnswer, expectStatus, passkey } from './api-harness.js';
import { send, type Reply, type SendOptions } from './http-client.js';
import type { GetInput, SoftAuthenticator } from './soft-authenticator.js';

// The helpers without vitest (the e2e specs use them too) live in deciding-agents.ts.
export { benchAgent, CHECKED, serverAgent } from './deciding-agents.js';

/** A help-desk agent, admin or auditor: a person enrolled with a passkey whose account holds `role`. */
export interface Agent {
  username: string;
  key: SoftAuthenticator;
  credentialId: string;
}

export async function agentAccount(api: Api, role: OperatorRole | null, username?: string): Promise<Agent> {
  const key = passkey();
  const { username: name, credentialId } = await api.enrolled(await api.device(), key, 'passkey', username ? { username } : {});
  if (role) expectStatus(await api.admin('grantOperatorRole', { params: { username: name }, body: { role } }), 200);
  return { username: name, key, credentialId };
}

/** The console's sign-in, as the browser at the console origin does it; `input` builds the negative cases. */
export async function signInReply(
  api: Api,
  agent: Agent,
  input: Partial<GetInput> = {},
): Promise<{ reply: Reply; ceremonyId: string; response: AuthenticationResponseJSON }> {
  const asked = ConsoleSignInOptionsResponse.parse(
    expectStatus(await send(api.server.url, 'consoleSignInOptions', { body: { username: agent.username } }), 200),
  );
  const response = agent.key.get(asked.options, { origin: api.config.consoleOrigin, ...input });
  const reply = await send(api.server.url, 'consoleSignIn', { body: { ceremonyId: asked.ceremonyId, response } });
  return { reply, ceremonyId: asked.ceremonyId, response };
}

export async function consoleSignIn(api: Api, agent: Agent): Promise<ConsoleSessionResponse> {
  return expectAnswer('consoleSignIn', (await signInReply(api, agent)).reply);
}

export const consoleHeader = (token: string) => ({ authorization: `Console ${token}` });
export const bearerHeader = (token: string) => ({ authorization: `Bearer ${token}` });

/** An API token for `agent`'s account, issued with the bootstrap token. */
export async function agentToken(api: Api, username: string, scopes: Permission[], name = 'test token'): Promise<IssuedToken> {
  return expectAnswer('issueApiToken', await api.admin('issueApiToken', { params: { username }, body: { name, scopes } }));
}

const agentTokens = new WeakMap<Api, Map<string, string>>();

/** An API token of `name`'s helpdesk account on `api`, made (account, role, token) the first time. */
export async function agentBearer(api: Api, name: string, role: OperatorRole = 'helpdesk'): Promise<string> {
  const tokens = agentTokens.get(api) ?? new Map<string, string>();
  agentTokens.set(api, tokens);
  const known = tokens.get(name);
  if (known) return known;
  const exists = await api.db.selectFrom('users').select('id').where('username', '=', name).executeTakeFirst();
  if (!exists) await api.createUser({ username: name });
  expectStatus(await api.admin('grantOperatorRole', { params: { username: name }, body: { role } }), 200);
  const issued = await agentToken(api, name, [...ROLE_PERMISSIONS[role]]);
  tokens.set(name, issued.token);
  return issued.token;
}

/** An admin call made by `name`'s agent account (its API token), as a help-desk decision must be. */
export async function asAgent(
  api: Api,
  name: string,
  operation: OperationName,
  opts: Omit<SendOptions, 'adminToken' | 'key'> = {},
): Promise<Reply> {
  return send(api.server.url, operation, { ...opts, headers: { ...opts.headers, ...bearerHeader(await agentBearer(api, name)) } });
}
