import { ActivatedEmergencyAccess, EmergencyGrantView, IntrospectionResponse } from '../../api/operations/emergency-access.js';
import type { Permission } from '../../api/permissions.js';
import { Api, expectStatus, passkey, type Device } from '../support/api-harness.js';
import { send, type Reply } from '../support/http-client.js';
import { agentAccount, agentToken, bearerHeader } from '../support/operators.js';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';

/** What the emergency-access tests share: an owner, a service account, an approver, and the steps of a grant over the real API. */

let api: () => Api = () => {
  throw new Error('call useEmergencyApi(() => api) at the top of the test file first');
};

/** The helpers act on whichever server the test file's `api` holds when they run (a test may start its own). */
export function useEmergencyApi(current: () => Api): void {
  api = current;
}

/** `fke_` and a UUID and `_`: the secret that follows is base64url, which may hold `_` itself. */
export const TOKEN_PREFIX = 'fke_'.length + 36 + 1;

export interface Owner {
  username: string;
  device: Device;
  key: SoftAuthenticator;
}

export async function owner(): Promise<Owner> {
  const device = await api().device({ name: 'owner laptop' });
  const key = passkey();
  const { username } = await api().enrolled(device, key, 'passkey');
  return { username, device, key };
}

let services = 0;
export async function serviceAccount(ownerName: string | null): Promise<string> {
  const username = `svc.payments-${++services}`;
  const body = { username, displayName: 'Payments batch', email: 'payments@corp.example', role: 'service', accountKind: 'service' };
  expectStatus(await api().admin('createUser', { body }), 201);
  if (ownerName) expectStatus(await api().admin('setServiceOwner', { params: { username }, body: { owner: ownerName } }), 200);
  return username;
}

/** A person with a role and an API token of `scopes`: an approving admin, an auditor, or a system that introspects. */
export async function tokenOf(role: 'admin' | 'helpdesk' | 'auditor', scopes: Permission[]): Promise<{ username: string; token: string }> {
  const agent = await agentAccount(api(), role);
  return { username: agent.username, token: (await agentToken(api(), agent.username, scopes)).token };
}

export const as = (token: string) => bearerHeader(token);
export const manage = (o: Owner) => o.device.sessionWith(o.username, 'manage', o.key);
export const request = async (
  o: Owner,
  session: string,
  serviceAccount: string,
  minutes = 30,
  reason = 'payments batch stuck, rerun by hand',
) => o.device.call('requestEmergencyAccess', { token: session, body: { serviceAccount, reason, minutes } });
export const decide = (op: 'approveEmergencyAccess' | 'denyEmergencyAccess' | 'endEmergencyAccess', id: string, token: string) =>
  send(api().server.url, op, { params: { id }, body: { reason: 'checked with the on-call lead' }, headers: as(token) });
export const activate = (o: Owner, session: string, id: string) =>
  o.device.call('activateEmergencyAccess', { token: session, params: { id } });
export const introspect = async (system: string, token: string): Promise<IntrospectionResponse> =>
  IntrospectionResponse.parse(
    expectStatus(await send(api().server.url, 'introspectEmergencyToken', { body: { token }, headers: as(system) }), 200),
  );

export function grant(reply: Reply, status = 200): EmergencyGrantView {
  return EmergencyGrantView.parse(expectStatus(reply, status));
}

/** The path every active grant takes: the owner asks, `approver` approves, the owner collects the token. */
export async function activeGrant(
  o: Owner,
  session: string,
  svc: string,
  approver: string,
): Promise<{ asked: EmergencyGrantView; token: string }> {
  const asked = grant(await request(o, session, svc), 201);
  grant(await decide('approveEmergencyAccess', asked.id, approver));
  const { token } = ActivatedEmergencyAccess.parse(expectStatus(await activate(o, session, asked.id), 200));
  return { asked, token };
}

export async function boundToServiceAccount(username: string): Promise<number> {
  const user = await api().db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  const count = async (table: 'credentials' | 'sessions' | 'enrolment_codes') =>
    (await api().db.selectFrom(table).select('id').where('user_id', '=', user.id).execute()).length;
  return (await count('credentials')) + (await count('sessions')) + (await count('enrolment_codes'));
}
