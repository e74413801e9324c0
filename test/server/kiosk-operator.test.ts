import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectAnswer, expectRefusal, passkey, securityKey } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { confirm, newHire, operator, registeredStation } from './kiosk-support.js';

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

    const confirmed = expectAnswer('confirmNewHire', await confirm(station, boss, hire.username, ['photo_id', 'start_date_confirmed']));
    expect(confirmed).toMatchObject({
      newHire: { username: hire.username, displayName: `Person ${hire.username}` },
      operator: { username: boss.username, displayName: `Person ${boss.username}` },
      checks: ['photo_id', 'start_date_confirmed'],
      expiresAt: new Date(api.clock.now().getTime() + 900_000).toISOString(),
    });
    const stored = await api.db.selectFrom('kiosk_confirmations').selectAll().executeTakeFirstOrThrow();
    const bossId = (await api.db.selectFrom('users').select('id').where('username', '=', boss.username).executeTakeFirstOrThrow()).id;
    expect(stored).toMatchObject({
      id: confirmed.id,
      station_id: stationId,
      operator_id: bossId,
      checks: '["photo_id","start_date_confirmed"]',
      used_at: null,
    });

    const opened = expectAnswer('openSession', await station.call('openSession', { body: { code: hire.code, device: station.signals } }));
    expect(opened.kiosk).toBe(true);
    expect(opened.session.allowedFactors).toEqual(['security-key']);
    expect(opened.session.requirements).toContain('security_key_only');
    // Kiosk sessions are shorter: 5 minutes by default, not 10.
    expect(new Date(opened.session.expiresAt).getTime() - api.clock.now().getTime()).toBe(300_000);

    const audit = await api.auditOf(hire.username);
    expect(audit.find((e) => e.event === 'kiosk.confirmed')).toMatchObject({
      actor: boss.username,
      details: { confirmationId: confirmed.id, stationId, station: 'Lobby 1', operatorId: bossId, checks: 'photo_id,start_date_confirmed' },
    });
    expect(audit.find((e) => e.event === 'kiosk.confirmation_used')?.details).toMatchObject({ confirmationId: confirmed.id, stationId });
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

    expect((await confirm(station, await operator(api), hire.username)).status).toBe(201);
    expect(
      expectAnswer('openSession', await station.call('openSession', { body: { code: hire.code, device: station.signals } })).kiosk,
    ).toBe(true);
  });

  it('a confirmation opens one session, on that station only, within 15 minutes', async () => {
    const { station: lobby } = await registeredStation(api, 'Lobby 1');
    const { station: annex } = await registeredStation(api, 'Annex');
    const boss = await operator(api);

    const elsewhere = await newHire(api);
    expect((await confirm(lobby, boss, elsewhere.username)).status).toBe(201);
    expectRefusal(
      await annex.call('openSession', { body: { code: elsewhere.code, device: annex.signals } }),
      403,
      'operator_confirmation_required',
    );

    const late = await api.createUser();
    expect((await confirm(lobby, boss, late)).status).toBe(201);
    api.clock.advance(901_000);
    const lateCode = await api.enrolmentCode(late);
    expectRefusal(
      await lobby.call('openSession', { body: { code: lateCode, device: lobby.signals } }),
      403,
      'operator_confirmation_required',
    );

    const once = await newHire(api);
    expect((await confirm(lobby, boss, once.username)).status).toBe(201);
    const first = expectAnswer('openSession', await lobby.call('openSession', { body: { code: once.code, device: lobby.signals } }));
    expectAnswer('endSession', await lobby.call('endSession', { token: first.token }));
    const second = await api.enrolmentCode(once.username);
    expectRefusal(
      await lobby.call('openSession', { body: { code: second, device: lobby.signals } }),
      403,
      'operator_confirmation_required',
    );
  });

  it('two codes of one person racing at the station get one session from one confirmation, and the loser’s code stays unused', async () => {
    const { station } = await registeredStation(api);
    const username = await api.createUser();
    const codes = [await api.enrolmentCode(username), await api.enrolmentCode(username)];
    expect((await confirm(station, await operator(api), username)).status).toBe(201);
    const replies = await Promise.all(codes.map((code) => station.call('openSession', { body: { code, device: station.signals } })));
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

  it('refused for a non-operator: a colleague with a security key, or an unknown name, gets options of the same shape and fails at confirm', async () => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const colleagueKey = securityKey();
    const { username: colleague } = await api.enrolled(await api.device(), colleagueKey, 'security-key', { role: 'engineer' });
    const boss = await operator(api);

    const shapes = [];
    for (const name of [boss.username, colleague, 'nobody.here']) {
      const { ceremonyId, options } = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: name } }));
      expect(ceremonyId).toMatch(/^[0-9a-f-]{36}$/);
      shapes.push({
        keys: Object.keys(options).sort(),
        userVerification: options.userVerification,
        allowed: options.allowCredentials?.map((c) => [c.id.length, c.transports]),
      });
    }
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    expect(shapes[0]?.userVerification).toBe('required');

    // The colleague's real key cannot answer for an operator ceremony: it is not an operator's.
    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: colleague } }));
    const response = colleagueKey.get({ ...asked.options, allowCredentials: [] }, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id'] },
      }),
      403,
      'not_an_operator',
    );
    expect(await api.db.selectFrom('kiosk_confirmations').selectAll().execute()).toEqual([]);
    expectRefusal(
      await station.call('openSession', { body: { code: hire.code, device: station.signals } }),
      403,
      'operator_confirmation_required',
    );
    const refusals = await api.db.selectFrom('audit_events').select('details').where('event', '=', 'kiosk.refused').execute();
    expect(refusals.map((r) => (JSON.parse(r.details) as { newHire?: string }).newHire)).toContain(hire.username);
  });

  it('the operator must verify themselves on the key, check at least one thing, and cannot confirm themselves', async () => {
    const { station } = await registeredStation(api);
    const boss = await operator(api);
    const hire = await newHire(api);

    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: boss.username } }));
    const touchOnly = boss.key.get(asked.options, { origin: TEST_ORIGIN, flags: { userVerified: false } });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response: touchOnly, newHire: hire.username, checks: ['photo_id'] },
      }),
      400,
      'verification_failed',
    );
    // The ceremony was spent by that try: a replay finds nothing.
    const replay = boss.key.get(asked.options, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response: replay, newHire: hire.username, checks: ['photo_id'] },
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

  it('an operator needs an operator role and a security key: a passkey does not count, nor a role taken away', async () => {
    await api.close();
    api = await Api.start({ kioskOperatorRoles: ['hr'] });
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const platformOnly = passkey();
    const { username } = await api.enrolled(await api.device(), platformOnly, 'passkey', { role: 'hr' });
    const decoyed = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: username } }));
    const withPasskey = platformOnly.get({ ...decoyed.options, allowCredentials: [] }, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: decoyed.ceremonyId, response: withPasskey, newHire: hire.username, checks: ['photo_id'] },
      }),
      403,
      'not_an_operator',
    );

    const key = securityKey();
    const { username: lead } = await api.enrolled(await api.device(), key, 'security-key', { role: 'hr' });
    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: lead } }));
    await api.db.updateTable('users').set({ role: 'engineer' }).where('username', '=', lead).execute();
    const response = key.get(asked.options, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id'] },
      }),
      403,
      'not_an_operator',
    );
    await api.db.updateTable('users').set({ role: 'hr' }).where('username', '=', lead).execute();
    expect((await confirm(station, { username: lead, key }, hire.username)).status).toBe(201);
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
