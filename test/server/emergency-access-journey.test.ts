import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivatedEmergencyAccess, EmergencyGrantList, MyEmergencyAccess } from '../../api/operations/emergency-access.js';
import { PENDING_MINUTES } from '../../server/emergency-access/rules.js';
import { Api, expectRefusal, expectStatus } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
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

// Emergency access as it should go: asked, approved, collected once, used, ended early or by itself; and two at once.
/**
 * Issue 15, emergency human-backed access for a service account, over the real HTTP API: the named
 * owner asks from a fresh manage session opened with their own factor, a second person with the
 * admin role approves, the owner collects a token once, systems introspect each use, and the grant
 * ends by itself or early. Nothing is ever bound to the service account.
 */

let api: Api;
useEmergencyApi(() => api);
afterEach(() => api.close());

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
