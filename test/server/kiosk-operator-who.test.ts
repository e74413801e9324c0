import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorCheck } from '../../api/kiosk.js';
import { Api, expectAnswer, expectRefusal, expectStatus, passkey, securityKey } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { confirm, newHire, operator, registeredStation } from './kiosk-support.js';

/**
 * Issue 12, "An operator step": who counts as an operator. A person with an operator HR role, a console
 * role that issues codes and a security key in hand; anyone else, asking for the station's options, gets
 * what the app would name them and is refused at confirm as an unknown name is.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

describe('An operator step', () => {
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
    // Padded to two, and no transports: how many keys a person has, and of what kind, does not show.
    expect(shapes[0]?.allowed).toEqual([
      [43, []],
      [43, []],
    ]);

    // The colleague's real key cannot answer for an operator ceremony: it is not an operator's.
    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: colleague } }));
    const response = colleagueKey.get({ ...asked.options, allowCredentials: [] }, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
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

  it('a non-operator with a security key is offered the keys in hand the app offers them, in an operator’s shape, and their valid assertion is refused as an unknown name’s', async () => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const boss = await operator(api);
    // A colleague with a security key and a passkey: the app names both, the station only the key in hand.
    const colleague = await api.createUser({ role: 'engineer' });
    const laptop = await api.device();
    const token = await laptop.openEnrolment(await api.enrolmentCode(colleague));
    const key = securityKey();
    const keyId = await laptop.register(token, 'security-key', key);
    const passkeyId = await laptop.register(token, 'passkey', passkey());
    await laptop.complete(token);

    const ask = async (name: string) =>
      expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: name } }));
    const app = await (await api.device()).call('authenticationOptions', { body: { username: colleague, purpose: 'manage' } });
    const appIds = expectAnswer('authenticationOptions', app).options.allowCredentials?.map((c) => c.id) ?? [];
    expect(appIds.sort()).toEqual([keyId, passkeyId].sort());
    const asked = await ask(colleague);
    const stationIds = asked.options.allowCredentials?.map((c) => c.id) ?? [];
    // Comparing the station's answer with the app's tells nobody who is an operator: both name the person's key.
    expect(stationIds[0]).toBe(keyId);
    expect(stationIds.filter((id) => appIds.includes(id))).toEqual([keyId]);
    const bossOptions = (await ask(boss.username)).options;
    expect(bossOptions.allowCredentials?.[0]?.id).toBe(boss.key.credentials[0]?.id);
    for (const options of [asked.options, bossOptions]) {
      expect(Object.keys(options).sort()).toEqual(Object.keys(bossOptions).sort());
      expect(options.allowCredentials?.length).toBeGreaterThanOrEqual(2);
      expect(options.allowCredentials?.every((c) => (c.transports ?? []).length === 0)).toBe(true);
      expect(options.userVerification).toBe('required');
    }

    const checks: OperatorCheck[] = ['photo_id', 'name_matches'];
    const send = (ceremonyId: string, response: ReturnType<typeof key.get>) =>
      station.call('confirmNewHire', { body: { ceremonyId, response, newHire: hire.username, checks } });
    const refusedColleague = await send(asked.ceremonyId, key.get(asked.options, { origin: TEST_ORIGIN }));
    const unknown = await ask('nobody.here');
    const refusedUnknown = await send(unknown.ceremonyId, key.get(unknown.options, { origin: TEST_ORIGIN, credentialId: keyId }));
    expectRefusal(refusedColleague, 403, 'not_an_operator');
    expect(refusedColleague).toEqual(refusedUnknown);
    // The operator is decided before what the signed flags say: a synced-looking assertion tells a non-operator nothing more.
    const again = await ask(colleague);
    const flagged = await send(again.ceremonyId, key.get(again.options, { origin: TEST_ORIGIN, flags: { backupEligible: true } }));
    expect(flagged).toEqual(refusedUnknown);

    expect(await api.db.selectFrom('kiosk_confirmations').selectAll().execute()).toEqual([]);
    const refusals = await api.db.selectFrom('audit_events').select(['user_id', 'details']).where('event', '=', 'kiosk.refused').execute();
    const reasons = refusals.map((r) => (JSON.parse(r.details) as { reason: string }).reason);
    expect(new Set(reasons).size).toBe(1);
    expect(refusals).toHaveLength(3);
    const colleagueId = (await api.db.selectFrom('users').select('id').where('username', '=', colleague).executeTakeFirstOrThrow()).id;
    // The audit trail, which the station does not read, still names the person who tried.
    expect(refusals.map((r) => r.user_id)).toEqual([colleagueId, null, colleagueId]);
    const challenged = await api.db
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'kiosk.operator_challenged')
      .orderBy('seq')
      .execute();
    expect(challenged.map((r) => (JSON.parse(r.details) as { knownPerson: boolean }).knownPerson)).toEqual([true, true, false, true]);
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
        body: { ceremonyId: decoyed.ceremonyId, response: withPasskey, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
      }),
      403,
      'not_an_operator',
    );

    const key = securityKey();
    const { username: lead } = await api.enrolled(await api.device(), key, 'security-key', { role: 'hr' });
    expectStatus(await api.admin('grantOperatorRole', { params: { username: lead }, body: { role: 'helpdesk' } }), 200);
    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: lead } }));
    await api.db.updateTable('users').set({ role: 'engineer' }).where('username', '=', lead).execute();
    const response = key.get(asked.options, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
      }),
      403,
      'not_an_operator',
    );
    await api.db.updateTable('users').set({ role: 'hr' }).where('username', '=', lead).execute();
    expect((await confirm(station, { username: lead, key }, hire.username)).status).toBe(201);
  });

  it('an HR role alone, which the HR feed sets, makes nobody an operator: a console role to issue codes is needed too', async () => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    // HR role admin (the default FIRSTKEY_KIOSK_OPERATOR_ROLES) and a security key of their own, but no console role.
    const fromFeed = await operator(api, 'admin', null);
    // Their options name their key, as for anyone; what they are is decided at confirm, after the signature.
    const confirmAnyway = async () => {
      const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: fromFeed.username } }));
      const response = fromFeed.key.get({ ...asked.options, allowCredentials: [] }, { origin: TEST_ORIGIN });
      const body = {
        ceremonyId: asked.ceremonyId,
        response,
        newHire: hire.username,
        checks: ['photo_id', 'name_matches'] as OperatorCheck[],
      };
      return station.call('confirmNewHire', { body });
    };
    expectRefusal(await confirmAnyway(), 403, 'not_an_operator');
    // An auditor only reads: they cannot confirm a new hire either.
    expectStatus(await api.admin('grantOperatorRole', { params: { username: fromFeed.username }, body: { role: 'auditor' } }), 200);
    expectRefusal(await confirmAnyway(), 403, 'not_an_operator');
    expect(await api.db.selectFrom('kiosk_confirmations').select('id').execute()).toHaveLength(0);

    expectStatus(await api.admin('grantOperatorRole', { params: { username: fromFeed.username }, body: { role: 'helpdesk' } }), 200);
    expect((await confirm(station, fromFeed, hire.username)).status).toBe(201);
  });
});
