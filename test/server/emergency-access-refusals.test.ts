import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmergencyGrantList, MyEmergencyAccess } from '../../api/operations/emergency-access.js';
import { PENDING_MINUTES } from '../../server/emergency-access/rules.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, expectRefusal, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { agentToken } from '../support/operators.js';
import {
  activate,
  activeGrant,
  as,
  boundToServiceAccount,
  decide,
  grant,
  introspect,
  manage,
  owner,
  request,
  serviceAccount,
  TOKEN_PREFIX,
  tokenOf,
  useEmergencyApi,
} from './emergency-access-support.js';
import { scim } from './scim-client.js';

// Emergency access refused: the wrong asker, a stale session, the wrong decider, a closed window, a bad token, a retired account.

let api: Api;
useEmergencyApi(() => api);
afterEach(() => api.close());

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
