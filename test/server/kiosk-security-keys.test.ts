import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreationOptionsJSON } from '../../api/webauthn.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, Device, expectAnswer, expectRefusal, securityKey } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from '../support/soft-authenticator.js';
import { confirmed, newHire, openAt, operator, registeredStation } from './kiosk-support.js';

/**
 * Issue 12, "Security keys only": sessions opened from a kiosk get cross-platform options only, and the
 * server refuses a platform or synced credential from a kiosk session even when the app is bypassed:
 * these tests call the API directly with the station's own key, as an attacker at the station could.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

/** A new hire's kiosk session at a registered station, as the operator step leaves it. */
async function kioskSession(): Promise<{ station: Device; token: string; username: string }> {
  const { station } = await registeredStation(api);
  const hire = await newHire(api);
  const confirmation = await confirmed(station, await operator(api), hire.username);
  const opened = expectAnswer('openSession', await openAt(station, hire.code, confirmation.id));
  expect(opened.kiosk).toBe(true);
  return { station, token: opened.token, username: hire.username };
}

async function securityKeyOptions(station: Device, token: string): Promise<CreationOptionsJSON> {
  return expectAnswer('registrationOptions', await station.call('registrationOptions', { token, body: { factor: 'security-key' } }))
    .options;
}

/** What the station's key sends straight to the API, with a response made by this authenticator. */
async function bypassWith(settings: SoftAuthenticatorOptions) {
  const { station, token, username } = await kioskSession();
  const options = await securityKeyOptions(station, token);
  const response = new SoftAuthenticator(settings).create(options, { origin: TEST_ORIGIN });
  const reply = await station.call('verifyRegistration', { token, body: { factor: 'security-key', response } });
  return { reply, station, token, username };
}

describe('Security keys only', () => {
  it('a kiosk session gets cross-platform options only: security-key hint, no resident key; a passkey is not even offered', async () => {
    const { station, token } = await kioskSession();
    const options = await securityKeyOptions(station, token);
    expect(options.authenticatorSelection).toMatchObject({ authenticatorAttachment: 'cross-platform', residentKey: 'discouraged' });
    expect(options.hints).toEqual(['security-key']);
    expectRefusal(await station.call('registrationOptions', { token, body: { factor: 'passkey' } }), 403, 'kiosk_security_key_only');
  });

  it('a passkey (platform attachment, internal transport) sent straight to the API with the station’s key is refused and nothing is kept', async () => {
    const { reply, station, token, username } = await bypassWith({ attachment: 'platform', transports: ['internal'], userVerified: true });
    expectRefusal(reply, 403, 'kiosk_security_key_only');
    expect(
      await api.db.selectFrom('credentials').select('id').where('session_id', 'is not', null).where('status', '=', 'pending').execute(),
    ).toEqual([]);
    const refused = (await api.auditOf(username)).find((e) => e.event === 'kiosk.factor_refused');
    expect(refused?.details).toMatchObject({ reason: 'platform_attachment' });
    // Claiming it is a passkey does not get past either.
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(await securityKeyOptions(station, token), {
      origin: TEST_ORIGIN,
    });
    expectRefusal(
      await station.call('verifyRegistration', { token, body: { factor: 'passkey', response } }),
      403,
      'kiosk_security_key_only',
    );
  });

  it.each([
    [
      'an internal transport behind a cross-platform claim',
      { attachment: 'cross-platform', transports: ['internal'] },
      'internal_transport',
    ],
    ['a phone over hybrid', { attachment: 'cross-platform', transports: ['hybrid', 'usb'] }, 'hybrid_transport'],
    [
      'a synced passkey (backup eligible and backed up) posing as a USB key',
      { attachment: 'cross-platform', transports: ['usb'], backupEligible: true, backedUp: true },
      'backup_eligible',
    ],
    ['a synced credential that reports no transports', { transports: [], backupEligible: true }, 'backup_eligible'],
  ] satisfies [string, SoftAuthenticatorOptions, string][])('refuses %s', async (_name, settings, reason) => {
    const { reply, username } = await bypassWith({ userVerified: true, ...settings });
    expectRefusal(reply, 403, 'kiosk_security_key_only');
    expect((await api.auditOf(username)).find((e) => e.event === 'kiosk.factor_refused')?.details).toMatchObject({ reason });
  });

  it('a real security key registers, completes with recovery codes, and the station is never bound to the new hire', async () => {
    const { station, token, username } = await kioskSession();
    const options = await securityKeyOptions(station, token);
    const response = securityKey().create(options, { origin: TEST_ORIGIN });
    expectAnswer('verifyRegistration', await station.call('verifyRegistration', { token, body: { factor: 'security-key', response } }));
    const done = expectAnswer('complete', await station.call('complete', { token }));
    expect(done.credentials.map((c) => c.factor)).toEqual(['security-key']);
    expect(done.recoveryCodes).toHaveLength(10);
    const stationDevice = await api.db.selectFrom('devices').selectAll().where('jkt', '=', station.jkt).executeTakeFirstOrThrow();
    expect(stationDevice.kind).toBe('kiosk');
    const user = await api.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
    expect(await api.db.selectFrom('device_bindings').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('a person whose policy allows passkeys only cannot enrol at a station, and their code stays usable elsewhere', async () => {
    await api.close();
    const standard = DEFAULT_POLICY.tiers.standard;
    if (!standard) throw new Error('the default policy has a standard tier');
    api = await Api.start(
      {},
      {
        policy: PolicyStore.fixed({
          ...DEFAULT_POLICY,
          tiers: { ...DEFAULT_POLICY.tiers, standard: { ...standard, factors: ['passkey'] } },
        }),
      },
    );
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const confirmation = await confirmed(station, await operator(api), hire.username);
    expectRefusal(await openAt(station, hire.code, confirmation.id), 403, 'factor_not_allowed');
    const laptop = await api.device();
    expectAnswer('openSession', await laptop.call('openSession', { body: { code: hire.code, device: laptop.signals } }));
  });
});

describe('Operators’ keys must really be security keys', () => {
  /** An operator whose key was stored before the security-key rule held everywhere, as if it synced or lived in a laptop. */
  async function operatorWhoseKeyIs(stored: { backup_eligible?: number; transports?: string }) {
    const boss = await operator(api);
    await api.db
      .updateTable('credentials')
      .set(stored)
      .where(
        'id',
        'in',
        boss.key.credentials.map((c) => c.id),
      )
      .execute();
    return boss;
  }

  it.each([
    ['backup eligible', { backup_eligible: 1 }],
    ['reached over hybrid', { transports: '["hybrid"]' }],
    ['inside the computer', { transports: '["internal","usb"]' }],
  ])('a stored "security key" that is %s does not count: the station does not name it and refuses it', async (_name, stored) => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const boss = await operatorWhoseKeyIs(stored);
    const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: boss.username } }));
    expect(asked.options.allowCredentials?.map((c) => c.id)).not.toContain(boss.key.credentials[0]?.id);
    const response = boss.key.get({ ...asked.options, allowCredentials: [] }, { origin: TEST_ORIGIN });
    expectRefusal(
      await station.call('confirmNewHire', {
        body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
      }),
      403,
      'not_an_operator',
    );
    expect(await api.db.selectFrom('kiosk_confirmations').selectAll().execute()).toEqual([]);
  });

  it('an operator assertion whose authenticator data says backup eligible (or backed up) is refused, and confirms nothing', async () => {
    const { station } = await registeredStation(api);
    const hire = await newHire(api);
    const boss = await operator(api);
    for (const flags of [{ backupEligible: true }, { backupEligible: true, backedUp: true }]) {
      const asked = expectAnswer('operatorOptions', await station.call('operatorOptions', { body: { operator: boss.username } }));
      const response = boss.key.get(asked.options, { origin: TEST_ORIGIN, flags });
      expectRefusal(
        await station.call('confirmNewHire', {
          body: { ceremonyId: asked.ceremonyId, response, newHire: hire.username, checks: ['photo_id', 'name_matches'] },
        }),
        403,
        'not_an_operator',
      );
    }
    expect(await api.db.selectFrom('kiosk_confirmations').selectAll().execute()).toEqual([]);
    const reasons = await api.db.selectFrom('audit_events').select('details').where('event', '=', 'kiosk.refused').execute();
    expect(reasons.map((r) => (JSON.parse(r.details) as { reason: string }).reason)).toEqual(['backup_eligible', 'backup_eligible']);
    // The same key without the flags still confirms: it was the flags that were refused.
    expect((await confirmed(station, boss, hire.username)).newHire.username).toBe(hire.username);
  });
});

describe('A "security key" registered anywhere must be one', () => {
  async function registerOnLaptop(settings: SoftAuthenticatorOptions) {
    const laptop = await api.device();
    const hire = await newHire(api);
    const token = await laptop.openEnrolment(hire.code);
    const options = await securityKeyOptions(laptop, token);
    const response = new SoftAuthenticator(settings).create(options, { origin: TEST_ORIGIN });
    return {
      reply: await laptop.call('verifyRegistration', { token, body: { factor: 'security-key', response } }),
      username: hire.username,
    };
  }

  it.each([
    ['a platform credential', { attachment: 'platform', transports: ['internal'] }, 'platform_attachment'],
    ['a phone over hybrid', { attachment: 'cross-platform', transports: ['hybrid'] }, 'hybrid_transport'],
    [
      'a synced passkey posing as a USB key',
      { attachment: 'cross-platform', transports: ['usb'], backupEligible: true },
      'backup_eligible',
    ],
  ] satisfies [string, SoftAuthenticatorOptions, string][])(
    'refuses %s on an ordinary computer with not_a_security_key',
    async (_n, settings, reason) => {
      const { reply, username } = await registerOnLaptop({ userVerified: true, ...settings });
      expectRefusal(reply, 403, 'not_a_security_key');
      expect((await api.auditOf(username)).find((e) => e.event === 'factor.refused')?.details).toMatchObject({
        factor: 'security-key',
        reason,
      });
      expect(await api.db.selectFrom('credentials').select('id').where('factor', '=', 'security-key').execute()).toEqual([]);
    },
  );

  it('a USB security key with no backup flags registers on an ordinary computer', async () => {
    const { reply } = await registerOnLaptop({ attachment: 'cross-platform', transports: ['usb', 'nfc'], userVerified: true });
    expect(expectAnswer('verifyRegistration', reply).credential.factor).toBe('security-key');
  });
});
