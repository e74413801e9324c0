import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectAnswer, expectRefusal, expectStatus } from '../support/api-harness.js';
import { confirmed, newHire, openAt, operator, registeredStation } from './kiosk-support.js';
import { fixture, scim } from './scim-client.js';

/**
 * A confirmation vouches for a new hire for up to 15 minutes. The operator who gave it must still be
 * trusted when the code is typed in: still here, still an operator, the key they confirmed with still
 * theirs. Leaving or losing a role also cancels what they confirmed, visibly in the audit trail.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

async function userId(username: string): Promise<string> {
  return (await api.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
}

async function refusalReasons(username: string): Promise<unknown[]> {
  return (await api.auditOf(username)).filter((e) => e.event === 'kiosk.refused').map((e) => e.details.confirmation);
}

async function cancellations(): Promise<{ actor: string; userId: string | null; details: unknown }[]> {
  const rows = await api.db
    .selectFrom('audit_events')
    .select(['actor', 'user_id', 'details'])
    .where('event', '=', 'kiosk.operator_confirmations_cancelled')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ actor: r.actor, userId: r.user_id, details: JSON.parse(r.details) as unknown }));
}

/**
 * The operator confirms the new hire, `change` happens, and the code is typed in: refused, naming the
 * operator as no longer trusted; the refusal cost the code nothing, so another operator's confirmation opens it.
 */
async function refusedAfter(change: (boss: { username: string; credentialId: string }) => Promise<void>): Promise<void> {
  const { station } = await registeredStation(api);
  const boss = await operator(api);
  const relief = await operator(api);
  const hire = await newHire(api);
  const given = await confirmed(station, boss, hire.username);
  const credentialId = (
    await api.db.selectFrom('kiosk_confirmations').select('operator_credential_id').where('id', '=', given.id).executeTakeFirstOrThrow()
  ).operator_credential_id;

  await change({ username: boss.username, credentialId });
  api.clock.advance(60);

  expectRefusal(await openAt(station, hire.code, given.id), 403, 'operator_confirmation_required');
  expect(await refusalReasons(hire.username)).toEqual(['operator_no_longer_trusted']);
  const codes = await api.db
    .selectFrom('enrolment_codes')
    .select(['used_at', 'failed_attempts'])
    .where('user_id', '=', await userId(hire.username))
    .execute();
  // Unspent, and no try counted against it: the refusal was the operator's, not a wrong code.
  expect(codes).toEqual([{ used_at: null, failed_attempts: 0 }]);

  const fresh = await confirmed(station, relief, hire.username);
  const opened = expectAnswer('openSession', await openAt(station, hire.code, fresh.id));
  expect(opened).toMatchObject({ kiosk: true, session: { user: { username: hire.username } } });
  expect(await verifyAuditChain(api.db)).toBeNull();
}

describe('A confirmation counts only while its operator is still trusted', () => {
  it('the operator left (deactivated over SCIM) before the code was typed in', async () => {
    await refusedAfter(async (boss) => {
      expect((await scim(api, 'PATCH', `/Users/${await userId(boss.username)}`, fixture('okta-patch-deactivate.json'))).status).toBe(200);
    });
  });

  it('the operator’s console role was revoked', async () => {
    await refusedAfter(async (boss) => {
      expectStatus(await api.admin('revokeOperatorRole', { params: { username: boss.username, role: 'helpdesk' } }), 200);
    });
  });

  it('the HR feed moved the operator out of the kiosk operator role', async () => {
    await refusedAfter(async (boss) => {
      expectStatus(await api.admin('setPersonRole', { params: { username: boss.username }, body: { role: 'engineer' } }), 200);
    });
  });

  it('the key the operator confirmed with was revoked', async () => {
    await refusedAfter(async (boss) => {
      expectStatus(await api.admin('revokeFactor', { params: { id: boss.credentialId }, body: { reason: 'reported lost' } }), 204);
    });
  });

  it('the key the operator confirmed with was suspended', async () => {
    await refusedAfter(async (boss) => {
      await api.db.updateTable('credentials').set({ status: 'suspended' }).where('id', '=', boss.credentialId).execute();
    });
  });

  it('the key the operator confirmed with expired', async () => {
    await refusedAfter(async (boss) => {
      const soon = new Date(api.clock.now().getTime() + 30_000).toISOString();
      await api.db.updateTable('credentials').set({ expires_at: soon }).where('id', '=', boss.credentialId).execute();
    });
  });
});

describe('Leaving, or losing an operator role, cancels the confirmations given (audited)', () => {
  it('a leaver’s live confirmations at every station are cancelled in the leaver’s commit; a spent, an expired and another operator’s stay', async () => {
    const { station: lobby } = await registeredStation(api, 'Lobby 1');
    const { station: annex } = await registeredStation(api, 'Annex');
    const { station: floor } = await registeredStation(api, 'Floor 3');
    const { station: basement } = await registeredStation(api, 'Basement');
    const boss = await operator(api);
    const colleague = await operator(api);
    // Given yesterday and never used: it opens nothing already, so it is not counted as cancelled.
    const expired = await confirmed(basement, boss, (await newHire(api)).username);
    api.clock.advance(24 * 3600);
    const [spentHire, lobbyHire, annexHire, otherHire] = [await newHire(api), await newHire(api), await newHire(api), await newHire(api)];
    const spent = await confirmed(lobby, boss, spentHire.username);
    expectAnswer('openSession', await openAt(lobby, spentHire.code, spent.id));
    const atLobby = await confirmed(lobby, boss, lobbyHire.username);
    const atAnnex = await confirmed(annex, boss, annexHire.username);
    const byColleague = await confirmed(floor, colleague, otherHire.username);
    const bossId = await userId(boss.username);

    api.clock.advance(30);
    expect((await scim(api, 'PATCH', `/Users/${bossId}`, fixture('okta-patch-deactivate.json'))).status).toBe(200);

    const rows = await api.db.selectFrom('kiosk_confirmations').select(['id', 'used_at', 'cancelled_at']).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const now = api.clock.now().toISOString();
    expect(byId.get(atLobby.id)?.cancelled_at).toBe(now);
    expect(byId.get(atAnnex.id)?.cancelled_at).toBe(now);
    expect(byId.get(spent.id)?.cancelled_at).toBeNull();
    expect(byId.get(spent.id)?.used_at).not.toBeNull();
    expect(byId.get(byColleague.id)?.cancelled_at).toBeNull();
    expect(byId.get(expired.id)?.cancelled_at).toBeNull();

    const deactivated = (await api.auditOf(boss.username)).find((e) => e.event === 'user.deactivated');
    expect(await cancellations()).toEqual([
      {
        actor: deactivated?.actor,
        userId: bossId,
        details: { operatorId: bossId, reason: 'operator_left', cancelled: [atLobby.id, atAnnex.id].join(','), count: 2 },
      },
    ]);
    expect(expectAnswer('openSession', await openAt(floor, otherHire.code, byColleague.id)).kiosk).toBe(true);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('revoking a role cancels them once the person is no operator any more; revoking one they can spare cancels nothing', async () => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    expectStatus(await api.admin('grantOperatorRole', { params: { username: boss.username }, body: { role: 'auditor' } }), 200);
    const hire = await newHire(api);
    const given = await confirmed(station, boss, hire.username);
    const bossId = await userId(boss.username);

    // An auditor's role issues no codes: without it they are an operator still.
    expectStatus(await api.admin('revokeOperatorRole', { params: { username: boss.username, role: 'auditor' } }), 200);
    expect(await cancellations()).toEqual([]);
    const stillLive = await api.db
      .selectFrom('kiosk_confirmations')
      .select('cancelled_at')
      .where('id', '=', given.id)
      .executeTakeFirstOrThrow();
    expect(stillLive.cancelled_at).toBeNull();

    api.clock.advance(30);
    expectStatus(await api.admin('revokeOperatorRole', { params: { username: boss.username, role: 'helpdesk' } }), 200);
    const row = await api.db.selectFrom('kiosk_confirmations').select('cancelled_at').where('id', '=', given.id).executeTakeFirstOrThrow();
    expect(row.cancelled_at).toBe(api.clock.now().toISOString());
    const revoked = (await api.auditOf(boss.username)).filter((e) => e.event === 'operator.role_revoked').at(-1);
    expect(await cancellations()).toEqual([
      {
        actor: revoked?.actor,
        userId: bossId,
        details: { operatorId: bossId, reason: 'operator_role_revoked', cancelled: given.id, count: 1 },
      },
    ]);
  });

  it('an HR role change out of the operator roles cancels them; a move between operator roles does not', async () => {
    await api.close();
    api = await Api.start({ kioskOperatorRoles: ['admin', 'hr'] });
    const { station } = await registeredStation(api);
    const boss = await operator(api, 'admin');
    const hire = await newHire(api);
    const given = await confirmed(station, boss, hire.username);
    const bossId = await userId(boss.username);

    expectStatus(await api.admin('setPersonRole', { params: { username: boss.username }, body: { role: 'hr' } }), 200);
    expect(await cancellations()).toEqual([]);

    expectStatus(await api.admin('setPersonRole', { params: { username: boss.username }, body: { role: 'engineer' } }), 200);
    const row = await api.db.selectFrom('kiosk_confirmations').select('cancelled_at').where('id', '=', given.id).executeTakeFirstOrThrow();
    expect(row.cancelled_at).toBe(api.clock.now().toISOString());
    expect(await cancellations()).toMatchObject([
      { userId: bossId, details: { operatorId: bossId, reason: 'hr_role_changed', cancelled: given.id, count: 1 } },
    ]);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });
});
