import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ActivatedEmergencyAccess,
  EmergencyGrantList,
  EmergencyGrantView,
  IntrospectionResponse,
  MyEmergencyAccess,
} from '../../api/operations/emergency-access.js';
import type { Permission } from '../../api/permissions.js';
import { PENDING_MINUTES } from '../../server/emergency-access/rules.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, expectRefusal, expectStatus, passkey, type Device } from '../support/api-harness.js';
import { send, type Reply } from '../support/http-client.js';
import { agentAccount, agentToken, bearerHeader } from '../support/operators.js';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';
import { scim } from './scim-client.js';

/**
 * Issue 15, emergency human-backed access for a service account, over the real HTTP API: the named
 * owner asks from a fresh manage session opened with their own factor, a second person with the
 * admin role approves, the owner collects a token once, systems introspect each use, and the grant
 * ends by itself or early. Nothing is ever bound to the service account.
 */

/** `fke_` and a UUID and `_`: the secret that follows is base64url, which may hold `_` itself. */
const TOKEN_PREFIX = 'fke_'.length + 36 + 1;

let api: Api;
afterEach(() => api.close());

interface Owner {
  username: string;
  device: Device;
  key: SoftAuthenticator;
}

async function owner(): Promise<Owner> {
  const device = await api.device({ name: 'owner laptop' });
  const key = passkey();
  const { username } = await api.enrolled(device, key, 'passkey');
  return { username, device, key };
}

let services = 0;
async function serviceAccount(ownerName: string | null): Promise<string> {
  const username = `svc.payments-${++services}`;
  const body = { username, displayName: 'Payments batch', email: 'payments@corp.example', role: 'service', accountKind: 'service' };
  expectStatus(await api.admin('createUser', { body }), 201);
  if (ownerName) expectStatus(await api.admin('setServiceOwner', { params: { username }, body: { owner: ownerName } }), 200);
  return username;
}

/** A person with a role and an API token of `scopes`: an approving admin, an auditor, or a system that introspects. */
async function tokenOf(role: 'admin' | 'helpdesk' | 'auditor', scopes: Permission[]): Promise<{ username: string; token: string }> {
  const agent = await agentAccount(api, role);
  return { username: agent.username, token: (await agentToken(api, agent.username, scopes)).token };
}

const as = (token: string) => bearerHeader(token);
const manage = (o: Owner) => o.device.sessionWith(o.username, 'manage', o.key);
const request = async (o: Owner, session: string, serviceAccount: string, minutes = 30, reason = 'payments batch stuck, rerun by hand') =>
  o.device.call('requestEmergencyAccess', { token: session, body: { serviceAccount, reason, minutes } });
const decide = (op: 'approveEmergencyAccess' | 'denyEmergencyAccess' | 'endEmergencyAccess', id: string, token: string) =>
  send(api.server.url, op, { params: { id }, body: { reason: 'checked with the on-call lead' }, headers: as(token) });
const activate = (o: Owner, session: string, id: string) => o.device.call('activateEmergencyAccess', { token: session, params: { id } });
const introspect = async (system: string, token: string): Promise<IntrospectionResponse> =>
  IntrospectionResponse.parse(
    expectStatus(await send(api.server.url, 'introspectEmergencyToken', { body: { token }, headers: as(system) }), 200),
  );

function grant(reply: Reply, status = 200): EmergencyGrantView {
  return EmergencyGrantView.parse(expectStatus(reply, status));
}

/** The path every active grant takes: the owner asks, `approver` approves, the owner collects the token. */
async function activeGrant(
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

async function boundToServiceAccount(username: string): Promise<number> {
  const user = await api.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  const count = async (table: 'credentials' | 'sessions' | 'enrolment_codes') =>
    (await api.db.selectFrom(table).select('id').where('user_id', '=', user.id).execute()).length;
  return (await count('credentials')) + (await count('sessions')) + (await count('enrolment_codes'));
}

describe('emergency access: the journey', () => {
  beforeEach(async () => {
    api = await Api.start();
  });

  it('requested by the owner, approved by another admin, collected once, used, and expired by itself; nothing bound to the service account', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:read', 'emergency:decide']);
    const system = await tokenOf('admin', ['emergency:introspect']);

    let session = await manage(ada);
    const mine = MyEmergencyAccess.parse(expectStatus(await ada.device.call('myEmergencyAccess', { token: session }), 200));
    expect(mine).toMatchObject({
      serviceAccounts: [{ username: svc, displayName: 'Payments batch' }],
      grants: [],
      maxMinutes: 60,
      defaultMinutes: 60,
    });

    const asked = grant(await request(ada, session, svc, 30), 201);
    expect(asked).toMatchObject({ serviceAccount: svc, owner: ada.username, status: 'requested', minutes: 30, uses: 0 });
    expect(asked.reference).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Date(asked.expiresAt).getTime() - api.clock.now().getTime()).toBe(PENDING_MINUTES * 60_000);
    // The owner hears of a request made in their name.
    const requested = (await api.notificationsOf(ada.username)).find((n) => n.kind === 'emergency.requested');
    expect(JSON.parse(requested?.payload ?? '{}')).toMatchObject({ details: { serviceAccount: svc } });
    const listed = MyEmergencyAccess.parse(expectStatus(await ada.device.call('myEmergencyAccess', { token: session }), 200));
    expect(listed.grants.map((g) => [g.id, g.status])).toEqual([[asked.id, 'requested']]);
    // Collecting before anyone approved gives nothing.
    expectRefusal(await activate(ada, session, asked.id), 409, 'emergency_not_approved');

    api.clock.advance(60);
    // The reference as read out on the phone, any case, works as the id does.
    const approved = grant(await decide('approveEmergencyAccess', asked.reference.toLowerCase(), approver.token));
    expect(approved).toMatchObject({
      status: 'approved',
      decidedBy: `account:${approver.username}`,
      decisionReason: 'checked with the on-call lead',
    });
    const windowEnd = api.clock.now().getTime() + 30 * 60_000;
    expect(new Date(approved.expiresAt).getTime()).toBe(windowEnd);
    const told = (await api.notificationsOf(ada.username)).find((n) => n.kind === 'emergency.approved');
    expect(JSON.parse(told?.payload ?? '{}')).toMatchObject({ details: { serviceAccount: svc } });
    const approvedEvent = (await api.auditOf(svc)).find((e) => e.event === 'emergency.approved');
    expect(approvedEvent).toMatchObject({
      actor: `account:${approver.username}`,
      details: { grantId: asked.id, serviceAccount: svc, owner: ada.username, minutes: 30, reason: 'checked with the on-call lead' },
    });

    session = await manage(ada);
    const collected = ActivatedEmergencyAccess.parse(expectStatus(await activate(ada, session, asked.id), 200));
    expect(collected.grant.status).toBe('active');
    expect(new Date(collected.expiresAt).getTime()).toBe(windowEnd);
    // Once: the token is never handed out again.
    expectRefusal(await activate(ada, session, asked.id), 410, 'request_closed');

    const answer = await introspect(system.token, collected.token);
    expect(answer).toMatchObject({
      active: true,
      sub: svc,
      act: { sub: ada.username },
      token_type: 'emergency_access',
      exp: Math.floor(windowEnd / 1000),
      iat: Math.floor(new Date(collected.grant.activatedAt ?? '').getTime() / 1000),
      jti: asked.id,
      reference: asked.reference,
    });
    await introspect(system.token, collected.token);

    // Our token behind anything else is not our token.
    expect(await introspect(system.token, `x${collected.token}`)).toEqual({ active: false });
    expect(await introspect(system.token, `${collected.token}x`)).toEqual({ active: false });
    // At the very end of the window it no longer works.
    api.clock.advance(30 * 60);
    expect(await introspect(system.token, collected.token)).toEqual({ active: false });
    const refusals = (await api.auditOf(svc)).filter((e) => e.event === 'emergency.use_refused').map((e) => e.details.refusal);
    expect(refusals).toEqual(['window over']);
    await api.server.services.emergencyAccess.sweep();

    const report = EmergencyGrantList.parse(
      expectStatus(await send(api.server.url, 'listEmergencyGrants', { headers: as(approver.token) }), 200),
    );
    expect(report.grants).toHaveLength(1);
    expect(report.grants[0]).toMatchObject({ id: asked.id, status: 'expired', uses: 2 });
    expect(report.grants[0]?.activatedAt).not.toBeNull();
    const events = (await api.auditOf(svc)).map((e) => e.event);
    expect(events).toEqual([
      'user.created',
      'service_account.owner_set',
      'emergency.requested',
      'emergency.approved',
      'emergency.activated',
      'emergency.used',
      'emergency.used',
      'emergency.use_refused',
      'emergency.expired',
    ]);
    // The token itself is never written anywhere the server keeps.
    const secret = collected.token.slice(TOKEN_PREFIX);
    const audit = await api.db.selectFrom('audit_events').select('details').execute();
    expect(audit.some((row) => row.details.includes(secret))).toBe(false);
    const grants = await api.db.selectFrom('emergency_grants').selectAll().execute();
    expect(JSON.stringify(grants)).not.toContain(secret);
    expect(await boundToServiceAccount(svc)).toBe(0);
  });

  it('ends early: by an admin, and by the owner; the token stops at once', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:decide']);
    const system = await tokenOf('admin', ['emergency:introspect']);
    let session = await manage(ada);

    const { asked: first, token } = await activeGrant(ada, session, svc, approver.token);
    expect((await introspect(system.token, token)).active).toBe(true);
    expect(grant(await decide('endEmergencyAccess', first.id, approver.token))).toMatchObject({
      status: 'ended',
      endedBy: `account:${approver.username}`,
    });
    expect(await introspect(system.token, token)).toEqual({ active: false });
    const refused = (await api.auditOf(svc)).filter((e) => e.event === 'emergency.use_refused');
    expect(refused.map((e) => e.details)).toEqual([{ grantId: first.id, refusal: 'grant ended' }]);
    expectRefusal(await decide('endEmergencyAccess', first.id, approver.token), 410, 'request_closed');

    session = await manage(ada);
    const { asked: second, token: again } = await activeGrant(ada, session, svc, approver.token);
    expect(grant(await ada.device.call('endMyEmergencyAccess', { token: session, params: { id: second.id } }))).toMatchObject({
      status: 'ended',
      endedBy: ada.username,
    });
    expect(await introspect(system.token, again)).toEqual({ active: false });
    const ended = (await api.auditOf(svc)).filter((e) => e.event === 'emergency.ended');
    expect(ended.map((e) => e.actor)).toEqual([`account:${approver.username}`, ada.username]);
  });
});

describe('emergency access: races', () => {
  beforeEach(async () => {
    api = await Api.start();
  });

  it('two collections at once hand out one token; two decisions at once record one', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const first = await tokenOf('admin', ['emergency:decide']);
    const second = await tokenOf('admin', ['emergency:decide']);
    const session = await manage(ada);
    const asked = grant(await request(ada, session, svc), 201);
    const decisions = await Promise.all([
      decide('approveEmergencyAccess', asked.id, first.token),
      decide('approveEmergencyAccess', asked.id, second.token),
    ]);
    expect(decisions.map((r) => r.status).sort()).toEqual([200, 410]);
    expect((await api.auditOf(svc)).filter((e) => e.event === 'emergency.approved')).toHaveLength(1);
    const collections = await Promise.all([activate(ada, session, asked.id), activate(ada, session, asked.id)]);
    expect(collections.map((r) => r.status).sort()).toEqual([200, 410]);
    expect((await api.auditOf(svc)).filter((e) => e.event === 'emergency.activated')).toHaveLength(1);
  });
});

describe('emergency access: refusals', () => {
  beforeEach(async () => {
    api = await Api.start();
  });

  it('only the named owner asks: someone else, an unknown account and an unowned one answer alike', async () => {
    const ada = await owner();
    const bob = await owner();
    const svc = await serviceAccount(ada.username);
    const unowned = await serviceAccount(null);
    const session = await manage(bob);
    for (const name of [svc, unowned, 'svc.does-not-exist', ada.username]) {
      const reply = await request(bob, session, name);
      expectRefusal(reply, 403, 'not_service_owner');
    }
    // Nor does Bob see or touch Ada's grant.
    const adaGrant = grant(await request(ada, await manage(ada), svc), 201);
    expectRefusal(await activate(bob, session, adaGrant.id), 404, 'not_found');
    expectRefusal(await bob.device.call('endMyEmergencyAccess', { token: session, params: { id: adaGrant.id } }), 404, 'not_found');
    const bobs = MyEmergencyAccess.parse(expectStatus(await bob.device.call('myEmergencyAccess', { token: session }), 200));
    expect(bobs).toMatchObject({ serviceAccounts: [], grants: [] });
  });

  it('needs a fresh assertion with the owner’s own factor to ask and to collect', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:decide']);
    const session = await manage(ada);
    const asked = grant(await request(ada, session, svc), 201);
    grant(await decide('approveEmergencyAccess', asked.id, approver.token));
    api.clock.advance(api.config.freshAuthSeconds + 1);
    expectRefusal(await activate(ada, session, asked.id), 403, 'reauth_required');
    expectRefusal(await request(ada, session, svc), 403, 'reauth_required');
    // An enrolment session is no manage session: a code proves nothing about the owner's own factor.
    const other = await api.device();
    const enrol = await other.openEnrolment(await api.enrolmentCode(await api.createUser()));
    expectRefusal(await other.call('myEmergencyAccess', { token: enrol }), 403, 'purpose_not_allowed');
  });

  it('a second person with the admin role decides: never the owner, the bootstrap token, the help desk or an auditor', async () => {
    const ada = await owner();
    await expectStatus(await api.admin('grantOperatorRole', { params: { username: ada.username }, body: { role: 'admin' } }), 200);
    const svc = await serviceAccount(ada.username);
    const asked = grant(await request(ada, await manage(ada), svc), 201);

    const own = (await agentToken(api, ada.username, ['emergency:decide'])).token;
    expectRefusal(await decide('approveEmergencyAccess', asked.id, own), 403, 'forbidden');
    expectRefusal(
      await api.admin('approveEmergencyAccess', { params: { id: asked.id }, body: { reason: 'bootstrap says yes' } }),
      403,
      'forbidden',
    );
    const helpdesk = await tokenOf('helpdesk', ['recovery:decide']);
    expectRefusal(await decide('approveEmergencyAccess', asked.id, helpdesk.token), 403, 'forbidden');
    const auditor = await tokenOf('auditor', ['emergency:read']);
    expectRefusal(await decide('approveEmergencyAccess', asked.id, auditor.token), 403, 'forbidden');
    // The auditor reads the report.
    const seen = EmergencyGrantList.parse(
      expectStatus(await send(api.server.url, 'listEmergencyGrants', { headers: as(auditor.token) }), 200),
    );
    expect(seen.grants.map((g) => g.status)).toEqual(['requested']);
    // A reason is required of the decider too.
    const approver = await tokenOf('admin', ['emergency:decide']);
    const short = await send(api.server.url, 'approveEmergencyAccess', {
      params: { id: asked.id },
      body: { reason: 'ok' },
      headers: as(approver.token),
    });
    expectRefusal(short, 400, 'invalid_request');
    expect((await api.auditOf(svc)).map((e) => e.event)).not.toContain('emergency.approved');
  });

  it('refused past its window, after it lapsed undecided, once denied, and beyond the policy’s longest window', async () => {
    const policy = PolicyFile.parse({ ...DEFAULT_POLICY, emergencyAccess: { maxMinutes: 30 } });
    api = await Api.start({}, { policy: PolicyStore.fixed(policy) });
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:decide']);
    let session = await manage(ada);
    expect(MyEmergencyAccess.parse(expectStatus(await ada.device.call('myEmergencyAccess', { token: session }), 200))).toMatchObject({
      maxMinutes: 30,
      defaultMinutes: 30,
    });
    expectRefusal(await request(ada, session, svc, 31), 400, 'invalid_request');
    expectRefusal(await request(ada, session, svc, 4), 400, 'invalid_request');

    // Approved, never collected, window over. The longest window the policy allows is allowed.
    const late = grant(await request(ada, session, svc, 30), 201);
    // One open grant per owner and account at a time.
    expectRefusal(await request(ada, session, svc, 10), 409, 'request_pending');
    grant(await decide('approveEmergencyAccess', late.id, approver.token));
    api.clock.advance(30 * 60);
    session = await manage(ada);
    expectRefusal(await activate(ada, session, late.id), 410, 'request_closed');

    // Undecided past its pending life: nobody can approve it any more.
    const lapsed = grant(await request(ada, session, svc, 10), 201);
    api.clock.advance(PENDING_MINUTES * 60);
    expectRefusal(await decide('approveEmergencyAccess', lapsed.id, approver.token), 410, 'request_closed');
    expect(await api.server.services.emergencyAccess.sweep()).toBe(2);

    session = await manage(ada);
    const denied = grant(await request(ada, session, svc, 10), 201);
    expect(grant(await decide('denyEmergencyAccess', denied.id, approver.token)).status).toBe('denied');
    expect((await api.auditOf(svc)).filter((e) => e.event === 'emergency.denied').map((e) => e.details.grantId)).toEqual([denied.id]);
    expect((await api.auditOf(svc)).some((e) => e.event === 'emergency.approved' && e.details.grantId === denied.id)).toBe(false);
    expectRefusal(await activate(ada, session, denied.id), 410, 'request_closed');
    expectRefusal(await decide('approveEmergencyAccess', denied.id, approver.token), 410, 'request_closed');
    expect((await api.notificationsOf(ada.username)).map((n) => n.kind)).toContain('emergency.denied');
    expect(await boundToServiceAccount(svc)).toBe(0);
  });

  it('introspection refuses forged, unknown and foreign tokens, and a token whose owner left or was replaced', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:decide']);
    const system = await tokenOf('admin', ['emergency:introspect']);
    const session = await manage(ada);
    const { asked, token } = await activeGrant(ada, session, svc, approver.token);

    // The right grant id with another secret, a made-up id, and not our shape at all.
    const forged = `${token.slice(0, TOKEN_PREFIX)}${'A'.repeat(43)}`;
    for (const attempt of [forged, `fke_${crypto.randomUUID()}_${'B'.repeat(43)}`, 'eyJhbGciOiJub25lIn0.e30.', 'x'])
      expect(await introspect(system.token, attempt)).toEqual({ active: false });
    expect((await api.auditOf(svc)).filter((e) => e.event === 'emergency.use_refused').map((e) => e.details.refusal)).toEqual([
      'wrong secret',
    ]);
    // Only a holder of emergency:introspect may ask (an approving admin's token lacks it).
    expectRefusal(
      await send(api.server.url, 'introspectEmergencyToken', { body: { token }, headers: as(approver.token) }),
      403,
      'forbidden',
    );
    expect((await introspect(system.token, token)).active).toBe(true);

    // A new owner ends the old owner's grants: the right went with the ownership.
    const bob = await owner();
    expectStatus(await api.admin('setServiceOwner', { params: { username: svc }, body: { owner: bob.username } }), 200);
    expect(await introspect(system.token, token)).toEqual({ active: false });
    const afterChange = await api.db
      .selectFrom('emergency_grants')
      .select(['status', 'end_reason'])
      .where('id', '=', asked.id)
      .executeTakeFirstOrThrow();
    expect(afterChange).toEqual({ status: 'ended', end_reason: 'the service account has a new owner' });
    // Naming the same owner again ends nothing.
    expectStatus(await api.admin('setServiceOwner', { params: { username: svc }, body: { owner: bob.username } }), 200);
    const owned = (await api.auditOf(svc)).filter((e) => e.event === 'service_account.owner_set');
    expect(owned.map((e) => e.details.endedGrants)).toEqual([0, 1, 0]);

    // An owner who leaves acts for nothing, even inside a window.
    const bobSession = await manage(bob);
    const { token: bobToken } = await activeGrant(bob, bobSession, svc, approver.token);
    const bobId = (await api.db.selectFrom('users').select('id').where('username', '=', bob.username).executeTakeFirstOrThrow()).id;
    const left = await scim(api, 'PATCH', `/Users/${bobId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(left.status, JSON.stringify(left.body)).toBe(200);
    expect(await introspect(system.token, bobToken)).toEqual({ active: false });
  });

  it('a retired service account: its open grants end and its token stops at once', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    const approver = await tokenOf('admin', ['emergency:decide']);
    const system = await tokenOf('admin', ['emergency:introspect']);
    const session = await manage(ada);
    const { asked, token } = await activeGrant(ada, session, svc, approver.token);
    const { id } = await api.db.selectFrom('users').select('id').where('username', '=', svc).executeTakeFirstOrThrow();
    const counts = await api.server.services.provisioning.deactivate(id, 'test', 'cli');
    expect(counts).toMatchObject({ emergencyGrants: 1 });
    expect(await introspect(system.token, token)).toEqual({ active: false });
    const row = await api.db.selectFrom('emergency_grants').select('status').where('id', '=', asked.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'ended' });
    // Nor can its owner ask again.
    expectRefusal(await request(ada, session, svc), 403, 'not_service_owner');
  });

  it('a service account never gets a factor: no enrolment code, and setServiceOwner accepts only a person', async () => {
    const ada = await owner();
    const svc = await serviceAccount(ada.username);
    expectRefusal(await api.admin('issueCode', { body: { username: svc } }), 403, 'account_not_eligible');
    const other = await serviceAccount(null);
    expectRefusal(await api.admin('setServiceOwner', { params: { username: svc }, body: { owner: other } }), 400, 'invalid_request');
    expectRefusal(
      await api.admin('setServiceOwner', { params: { username: ada.username }, body: { owner: ada.username } }),
      400,
      'invalid_request',
    );
    expectRefusal(await api.admin('setServiceOwner', { params: { username: svc }, body: { owner: 'nobody.here' } }), 404, 'not_found');
    expectRefusal(
      await api.admin('setServiceOwner', { params: { username: 'svc.nobody' }, body: { owner: ada.username } }),
      404,
      'not_found',
    );
    expect(await boundToServiceAccount(svc)).toBe(0);
  });
});
