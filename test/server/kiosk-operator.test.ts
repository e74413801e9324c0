import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorCheck } from '../../api/kiosk.js';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectAnswer, expectRefusal } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { confirm, confirmed, newHire, openAt, operator, registeredStation } from './kiosk-support.js';

/**
 * Issue 12, "An operator step": the operator verifies the new hire in person and confirms it with
 * their own security key; the server records which operator confirmed whom, where and having checked
 * what, and accepts the new hire's code on that station only after it, once.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

describe('An operator step', () => {
  it('the confirmation names operator, new hire and checks; then the code opens a kiosk session, recorded and audited', async () => {
    const { station, stationId } = await registeredStation(api);
    const boss = await operator(api);
    const hire = await newHire(api);

    const confirmation = await confirmed(station, boss, hire.username, ['photo_id', 'name_matches', 'start_date_confirmed']);
    expect(confirmation).toMatchObject({
      newHire: { username: hire.username, displayName: `Person ${hire.username}` },
      operator: { username: boss.username, displayName: `Person ${boss.username}` },
      checks: ['photo_id', 'name_matches', 'start_date_confirmed'],
      expiresAt: new Date(api.clock.now().getTime() + 900_000).toISOString(),
    });
    const stored = await api.db.selectFrom('kiosk_confirmations').selectAll().executeTakeFirstOrThrow();
    const bossId = (await api.db.selectFrom('users').select('id').where('username', '=', boss.username).executeTakeFirstOrThrow()).id;
    expect(stored).toMatchObject({
      id: confirmation.id,
      station_id: stationId,
      operator_id: bossId,
      checks: '["photo_id","name_matches","start_date_confirmed"]',
      used_at: null,
    });

    const opened = expectAnswer('openSession', await openAt(station, hire.code, confirmation.id));
    expect(opened.kiosk).toBe(true);
    expect(opened.session.allowedFactors).toEqual(['security-key']);
    expect(opened.session.requirements).toContain('security_key_only');
    // Kiosk sessions are shorter: 5 minutes by default, not 10.
    expect(new Date(opened.session.expiresAt).getTime() - api.clock.now().getTime()).toBe(300_000);

    const audit = await api.auditOf(hire.username);
    expect(audit.find((e) => e.event === 'kiosk.confirmed')).toMatchObject({
      actor: boss.username,
      details: {
        confirmationId: confirmation.id,
        stationId,
        station: 'Lobby 1',
        operatorId: bossId,
        checks: 'photo_id,name_matches,start_date_confirmed',
      },
    });
    expect(audit.find((e) => e.event === 'kiosk.confirmation_used')?.details).toMatchObject({ confirmationId: confirmation.id, stationId });
    expect(audit.find((e) => e.event === 'session.opened')?.details).toMatchObject({ stationId });
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('without a confirmation the code is refused at the station and stays unused for when the operator has confirmed', async () => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    expectRefusal(
      await station.call('openSession', { body: { code: hire.code, device: station.signals } }),
      403,
      'operator_confirmation_required',
    );
    expect((await api.auditOf(hire.username)).map((e) => e.event)).toContain('kiosk.refused');

    const confirmation = await confirmed(station, await operator(api), hire.username);
    // The station must name the confirmation: the operator having confirmed this person is not enough.
    expectRefusal(await openAt(station, hire.code), 403, 'operator_confirmation_required');
    expect(expectAnswer('openSession', await openAt(station, hire.code, confirmation.id)).kiosk).toBe(true);
  });

  it('a confirmation opens one session, on that station only, within 15 minutes', async () => {
    const { station: lobby } = await registeredStation(api, 'Lobby 1');
    const { station: annex } = await registeredStation(api, 'Annex');
    const boss = await operator(api);

    const elsewhere = await newHire(api);
    const atLobby = await confirmed(lobby, boss, elsewhere.username);
    expectRefusal(await openAt(annex, elsewhere.code, atLobby.id), 403, 'operator_confirmation_required');

    const late = await api.createUser();
    const lateConfirmation = await confirmed(lobby, boss, late);
    api.clock.advance(901_000);
    const lateCode = await api.enrolmentCode(late);
    expectRefusal(await openAt(lobby, lateCode, lateConfirmation.id), 403, 'operator_confirmation_required');

    const once = await newHire(api);
    const onceConfirmation = await confirmed(lobby, boss, once.username);
    const first = expectAnswer('openSession', await openAt(lobby, once.code, onceConfirmation.id));
    expectAnswer('endSession', await lobby.call('endSession', { token: first.token }));
    const second = await api.enrolmentCode(once.username);
    expectRefusal(await openAt(lobby, second, onceConfirmation.id), 403, 'operator_confirmation_required');
  });

  it('two codes of one person racing at the station get one session from one confirmation, and the loser’s code stays unused', async () => {
    const { station } = await registeredStation(api);
    const username = await api.createUser();
    const codes = [await api.enrolmentCode(username), await api.enrolmentCode(username)];
    const confirmation = await confirmed(station, await operator(api), username);
    const replies = await Promise.all(codes.map((code) => openAt(station, code, confirmation.id)));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 403]);
    const lost = replies.find((r) => r.status === 403);
    if (lost) expectRefusal(lost, 403, 'operator_confirmation_required');
    const user = await api.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
    const used = await api.db
      .selectFrom('enrolment_codes')
      .select('used_at')
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .execute();
    expect(used.filter((c) => c.used_at !== null)).toHaveLength(1);
    expect(used).toHaveLength(2);
  });

  it('the operator must verify themselves on the key, tick the checklist, and cannot confirm themselves', async () => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    const hire = await newHire(api);

    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: boss.username } }));
    const touchOnly = boss.key.get(asked.options, { origin: TEST_ORIGIN, flags: { userVerified: false } });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response: touchOnly, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
      }),
      400,
      'verification_failed',
    );
    // The ceremony was spent by that try: a replay finds nothing.
    const replay = boss.key.get(asked.options, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response: replay, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
      }),
      409,
      'challenge_missing',
    );
    const again = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: boss.username } }));
    const assertion = boss.key.get(again.options, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: again.ceremonyId, response: assertion, newHire: hire.username, checks: [] },
      }),
      400,
      'invalid_request',
    );
    expectRefusal(await confirm(station, boss, boss.username), 409, 'approval_refused');
  });

  it('an ordinary computer needs no operator, and calling itself a kiosk changes nothing', async () => {
    const hire = await newHire(api);
    const laptop = await api.device({ kind: 'kiosk' });
    const opened = expectAnswer('openSession', await laptop.call('openSession', { body: { code: hire.code, device: laptop.signals } }));
    expect(opened.kiosk).toBe(false);
    expect(opened.session.allowedFactors).toContain('passkey');
    expectRefusal(await laptop.call('operatorOptions', { body: { operator: 'anyone' } }), 404, 'station_not_registered');
    const device = await api.db.selectFrom('devices').select('kind').where('jkt', '=', laptop.jkt).executeTakeFirstOrThrow();
    expect(device.kind).toBe('personal');
  });
});

describe('One person at a time: the station names the confirmation, and a new one retires the last', () => {
  it('after the operator confirms Bob, Ada’s code is refused even with Ada’s confirmation id; Bob’s code opens only with Bob’s', async () => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    const ada = await newHire(api);
    const bob = await newHire(api);

    const forAda = await confirmed(station, boss, ada.username);
    const forBob = await confirmed(station, boss, bob.username);
    expectRefusal(await openAt(station, ada.code, forAda.id), 403, 'operator_confirmation_required');
    // Someone else's confirmation opens nothing for this code, even a live one at this station.
    expectRefusal(await openAt(station, ada.code, forBob.id), 403, 'operator_confirmation_required');
    expectRefusal(await openAt(station, bob.code, forAda.id), 403, 'operator_confirmation_required');
    expectRefusal(await openAt(station, bob.code, 'no-such-confirmation'), 403, 'operator_confirmation_required');

    const opened = expectAnswer('openSession', await openAt(station, bob.code, forBob.id));
    expect(opened).toMatchObject({ kiosk: true, session: { user: { username: bob.username } } });
    // The refusals left Ada's code unused: a new confirmation for her lets it open.
    const again = await confirmed(station, boss, ada.username);
    expect(expectAnswer('openSession', await openAt(station, ada.code, again.id)).session.user.username).toBe(ada.username);

    const reasons = (await api.auditOf(ada.username)).filter((e) => e.event === 'kiosk.refused').map((e) => e.details.confirmation);
    expect(reasons).toEqual(['cancelled', 'other_person']);
    const confirmedBob = (await api.auditOf(bob.username)).find((e) => e.event === 'kiosk.confirmed');
    expect(confirmedBob?.details).toMatchObject({ confirmationId: forBob.id, replaced: forAda.id });
  });

  it('cancelConfirmations retires the station’s unused confirmations (audited); other stations’ stay; ordinary computers cannot call it', async () => {
    const { station, stationId } = await registeredStation(api, 'Lobby 1');
    const { station: annex } = await registeredStation(api, 'Annex');
    const boss = await operator(api);
    const hire = await newHire(api);
    const there = await newHire(api);
    const confirmation = await confirmed(station, boss, hire.username);
    const atAnnex = await confirmed(annex, boss, there.username);

    const cancelled = await station.call('cancelConfirmations');
    expect(cancelled.status).toBe(204);
    expectRefusal(await openAt(station, hire.code, confirmation.id), 403, 'operator_confirmation_required');
    expect(expectAnswer('openSession', await openAt(annex, there.code, atAnnex.id)).kiosk).toBe(true);

    const audit = await api.db.selectFrom('audit_events').selectAll().where('event', '=', 'kiosk.confirmations_cancelled').execute();
    expect(audit.map((e) => [e.actor, JSON.parse(e.details) as unknown])).toEqual([
      ['Lobby 1', { stationId, cancelled: confirmation.id, count: 1 }],
    ]);
    // Nothing left to cancel is still an answer, so a station can cancel at every reset.
    expect((await station.call('cancelConfirmations')).status).toBe(204);
    const laptop = await api.device();
    expectRefusal(await laptop.call('cancelConfirmations'), 404, 'station_not_registered');
  });
});

describe('The operator checklist: photo ID and matching name are required', () => {
  it.each([
    ['photo ID only', ['photo_id']],
    ['name only', ['name_matches']],
    ['start date only', ['start_date_confirmed']],
    ['start date and photo ID, not the name', ['start_date_confirmed', 'photo_id']],
    ['nothing', []],
  ] satisfies [string, OperatorCheck[]][])('refuses a confirmation with %s, and the code stays refused', async (_name, checks) => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    const hire = await newHire(api);
    expectRefusal(await confirm(station, boss, hire.username, checks), 400, 'invalid_request');
    expect(await api.db.selectFrom('kiosk_confirmations').selectAll().execute()).toEqual([]);
    expectRefusal(await openAt(station, hire.code), 403, 'operator_confirmation_required');
  });

  it('accepts photo ID and name, with or without the start date', async () => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    expect((await confirmed(station, boss, await api.createUser(), ['name_matches', 'photo_id'])).checks).toEqual([
      'name_matches',
      'photo_id',
    ]);
    expect(
      (await confirmed(station, boss, await api.createUser(), ['photo_id', 'name_matches', 'start_date_confirmed'])).checks,
    ).toHaveLength(3);
  });
});
