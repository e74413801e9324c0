import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistrationOptionsResponse } from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import { AuthenticationOptionsResponse, DeviceView, FactorView, SecurityOverview } from '../../api/security.js';
import { verifyAuditChain } from '../../server/audit.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, expectRefusal, expectStatus, passkey, securityKey } from '../support/api-harness.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { NoCredentialError } from '../support/soft-authenticator.js';

/** Sessions opened with a factor the user still has: a new device (replace), a moved key (rebind), "My security" (manage). */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

const overview = async (device: Awaited<ReturnType<Api['device']>>, token: string) =>
  SecurityOverview.parse(expectStatus(await device.call('securityOverview', { token }), 200));

describe('new device, factor still in hand (replace)', () => {
  it('authenticate with the security key on the new machine, add a passkey there, retire the old laptop', async () => {
    const old = await api.device({ name: 'old laptop' });
    const key = securityKey();
    const { username, credentialId: keyId } = await api.enrolled(old, key, 'security-key');
    const oldId = await api.deviceId(old);

    const fresh = await api.device({ name: 'new laptop' });
    const token = await fresh.sessionWith(username, 'replace', key);
    const seen = await overview(fresh, token);
    expect(seen.factors.map((f) => f.id)).toEqual([keyId]);
    expect(seen.devices).toEqual([expect.objectContaining({ id: oldId, name: 'old laptop', current: false })]);
    expect(seen.authenticatedWith).toBe(keyId);

    const added = await fresh.register(token, 'passkey', passkey());
    const done = await fresh.complete(token, { retireDevices: [oldId] });
    expect(done.credentials.map((c) => c.id).sort()).toEqual([keyId, added].sort());
    expect(done.retired).toEqual({ factors: [], devices: [oldId] });
    expect(done.recoveryCodes).toBeUndefined(); // the user has a set since the first enrolment
    expectRefusal(await old.call('authenticationOptions', { body: { username, purpose: 'replace' } }), 403, 'device_revoked');

    const kinds = (await api.notificationsOf(username)).map((n) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['factor.added', 'device.revoked', 'replacement.completed']));
    const audit = await api.auditOf(username);
    expect(audit.find((e) => e.event === 'auth.succeeded')?.details).toMatchObject({
      credentialId: keyId,
      purpose: 'replace',
      deviceId: await api.deviceId(fresh),
    });
    expect(audit.find((e) => e.event === 'replacement.completed')?.details).toMatchObject({ added: 1, retiredDevices: 1, rebind: false });
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('may retire the old factor too, but never leave the user without an active one', async () => {
    const old = await api.device();
    const oldKey = passkey();
    const { username, credentialId: oldFactor } = await api.enrolled(old, oldKey, 'passkey');
    const fresh = await api.device();

    const bare = await fresh.sessionWith(username, 'replace', oldKey);
    expectRefusal(await fresh.completion(bare), 409, 'nothing_registered');
    expectRefusal(await fresh.completion(bare, { retireFactors: ['not-mine'] }), 409, 'nothing_registered');

    const token = await fresh.sessionWith(username, 'replace', oldKey);
    const added = await fresh.register(token, 'security-key', securityKey());
    expectRefusal(await fresh.completion(token, { retireFactors: [added] }), 404, 'not_found');
    const done = await fresh.complete(token, { retireFactors: [oldFactor] });
    expect(done.credentials.map((c) => c.id)).toEqual([added]);
    expect(done.retired?.factors).toEqual([oldFactor]);
    expectRefusal(await fresh.authenticate(username, 'manage', oldKey, { credentialId: oldFactor }), 403, 'factor_revoked');
  });

  it('only an authenticated user adds a factor: an enrolment session cannot retire', async () => {
    const laptop = await api.device();
    const username = await api.createUser();
    const [first, spare] = [await api.enrolmentCode(username), await api.enrolmentCode(username)];
    const opened = await laptop.openEnrolment(first);
    const enrol = await laptop.openEnrolment(spare);
    await laptop.register(opened, 'passkey', passkey());
    // An enrolment session cannot retire anything, with or without a key registered.
    expectRefusal(await laptop.completion(opened, { retireDevices: ['x'] }), 400, 'invalid_request');
    await laptop.complete(opened);
    // Enrolled: no operator can issue the person another code, which would bind a factor without them.
    expectRefusal(await api.admin('issueCode', { body: { username } }), 409, 'already_enrolled');
    // The session the spare code opened before is over: it adds no key.
    expectRefusal(await laptop.call('registrationOptions', { token: enrol, body: { factor: 'security-key' } }), 401, 'session_invalid');
  });
});

describe('Add a key in My security (manage)', () => {
  it('a fresh manage session adds a spare security key, which is active once the session completes', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username, credentialId: first } = await api.enrolled(laptop, key, 'passkey');
    const manage = await laptop.sessionWith(username, 'manage', key);
    const spare = await laptop.register(manage, 'security-key', securityKey());
    const done = await laptop.complete(manage);
    expect(done.credentials.map((c) => [c.id, c.status])).toEqual([
      [first, 'active'],
      [spare, 'active'],
    ]);
    // Completing closed the session: it cannot add another.
    expectRefusal(await laptop.call('registrationOptions', { token: manage, body: { factor: 'security-key' } }), 409, 'session_completed');
  });

  it('a ceremony begun while the assertion is fresh enough for it finishes even after the freshness ends; one begun too late is refused before the key is touched', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username } = await api.enrolled(laptop, key, 'passkey');
    const ceremony = api.config.ceremonyTimeoutMs / 1000;
    const manage = await laptop.sessionWith(username, 'manage', key);
    // Just enough freshness left for a whole ceremony: the options are given...
    api.clock.advance(api.config.freshAuthSeconds - ceremony - 1);
    const { options } = RegistrationOptionsResponse.parse(
      expectStatus(await laptop.call('registrationOptions', { token: manage, body: { factor: 'security-key' } }), 200),
    );
    // ...and the key touched after the freshness ran out is still taken, and completes.
    api.clock.advance(ceremony - 1);
    const response = securityKey().create(options, { origin: TEST_ORIGIN });
    expectStatus(await laptop.call('verifyRegistration', { token: manage, body: { factor: 'security-key', response } }), 201);
    expect((await laptop.complete(manage)).credentials.map((c) => c.id)).toContain(response.id);

    const late = await laptop.sessionWith(username, 'manage', key);
    api.clock.advance(api.config.freshAuthSeconds - ceremony + 1);
    expectRefusal(await laptop.call('registrationOptions', { token: late, body: { factor: 'security-key' } }), 403, 'reauth_required');
  });

  it('a manage session whose assertion is no longer fresh cannot add a key: the person signs in again', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username } = await api.enrolled(laptop, key, 'passkey');
    const manage = await laptop.sessionWith(username, 'manage', key);
    // Kept alive by activity, but the assertion that opened it has aged past the freshness window.
    for (let waited = 0; waited <= api.config.freshAuthSeconds; waited += 60) {
      api.clock.advance(60);
      await overview(laptop, manage);
    }
    expectRefusal(await laptop.call('registrationOptions', { token: manage, body: { factor: 'security-key' } }), 403, 'reauth_required');
  });
});

describe('rebinding a security key to a new machine', () => {
  it('the device record moves and the old device key is revoked, with no new factor', async () => {
    const old = await api.device({ name: 'old desktop' });
    const key = securityKey();
    const { username, credentialId } = await api.enrolled(old, key, 'security-key');
    const oldId = await api.deviceId(old);
    const fresh = await api.device({ name: 'new desktop' });
    const freshId = await (async () => {
      const token = await fresh.sessionWith(username, 'replace', key);
      const done = await fresh.complete(token, { rebind: true });
      expect(done.credentials.map((c) => c.id)).toEqual([credentialId]);
      expect(done.retired).toEqual({ factors: [], devices: [oldId] });
      return api.deviceId(fresh);
    })();
    const stored = await api.db
      .selectFrom('credentials')
      .select(['device_id', 'status'])
      .where('id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ device_id: freshId, status: 'active' });
    expectRefusal(await old.call('authenticationOptions', { body: { username, purpose: 'replace' } }), 403, 'device_revoked');

    // The key keeps working from its new machine, which is now the user's only device.
    const manage = await fresh.sessionWith(username, 'manage', key);
    const seen = await overview(fresh, manage);
    expect(seen.devices.map((d) => [d.id, d.current])).toEqual([[freshId, true]]);
    expect(seen.factors[0]?.deviceId).toBe(freshId);
    const again = await fresh.sessionWith(username, 'replace', key);
    expectRefusal(await fresh.completion(again, { rebind: true }), 400, 'invalid_request');

    expect((await api.notificationsOf(username)).map((n) => n.kind)).toEqual(
      expect.arrayContaining(['device.rebound', 'device.revoked', 'replacement.completed']),
    );
    expect((await api.auditOf(username)).find((e) => e.event === 'device.rebound')?.details).toEqual({
      credentialId,
      fromDeviceId: oldId,
      toDeviceId: freshId,
      deviceId: freshId,
    });
  });
});

describe('"My security": a manage session', () => {
  async function twoFactors() {
    const laptop = await api.device({ name: 'work laptop' });
    const key = passkey();
    const { username, credentialId: first } = await api.enrolled(laptop, key, 'passkey');
    const token = await laptop.sessionWith(username, 'replace', key);
    const hardware = securityKey();
    const second = await laptop.register(token, 'security-key', hardware);
    await laptop.complete(token);
    return { laptop, key, hardware, username, first, second };
  }

  it('lists factors and devices, renames both', async () => {
    const { laptop, key, username, first, second } = await twoFactors();
    const token = await laptop.sessionWith(username, 'manage', key);
    const seen = await overview(laptop, token);
    expect(seen.factors.map((f) => [f.id, f.status])).toEqual([
      [first, 'active'],
      [second, 'active'],
    ]);
    expect(seen.factors[0]?.lastUsedAt).not.toBeNull();
    expect(seen.recoveryCodes).toMatchObject({ remaining: 10 });
    expect(Date.parse(seen.freshUntil ?? '') - api.clock.now().getTime()).toBe(api.config.freshAuthSeconds * 1000);
    const renamed = FactorView.parse(
      expectStatus(await laptop.call('renameFactor', { params: { id: second }, token, body: { name: 'Blue key' } }), 200),
    );
    expect(renamed.name).toBe('Blue key');
    const deviceId = seen.devices[0]?.id ?? '';
    const device = DeviceView.parse(
      expectStatus(await laptop.call('renameDevice', { params: { id: deviceId }, token, body: { name: 'My ThinkPad' } }), 200),
    );
    expect(device).toMatchObject({ name: 'My ThinkPad', reportedName: 'work laptop', current: true });
    expectRefusal(await laptop.call('renameFactor', { params: { id: 'not-mine' }, token, body: { name: 'x' } }), 404, 'not_found');
    // A key's name follows the setup rule: at most 64 characters, no control or bidi-override characters.
    for (const name of ['k'.repeat(65), 'Blue\u202Eyek', 'Blue\nkey']) {
      expectRefusal(await laptop.call('renameFactor', { params: { id: second }, token, body: { name } }), 400, 'invalid_request');
    }
  });

  it('removing a factor needs a fresh authentication and never removes the last active factor', async () => {
    const { laptop, key, hardware, username, first, second } = await twoFactors();
    const stale = await laptop.sessionWith(username, 'manage', key);
    api.clock.advance(api.config.freshAuthSeconds);
    expectRefusal(await laptop.call('removeFactor', { params: { id: second }, token: stale }), 403, 'reauth_required');

    const token = await laptop.sessionWith(username, 'manage', key);
    expectStatus(await laptop.call('removeFactor', { params: { id: second }, token }), 204);
    const last = await laptop.call('removeFactor', { params: { id: first }, token });
    expectRefusal(last, 409, 'last_factor');
    expect(ApiError.parse(last.body).error.message).toContain('only active factor');
    expect((await overview(laptop, token)).factors.map((f) => f.id)).toEqual([first]);

    // A replace session opened with the removed factor's assertion is refused.
    expectRefusal(await laptop.authenticate(username, 'replace', hardware, { credentialId: second }), 403, 'factor_revoked');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('factor.removed');
    expect((await api.auditOf(username)).find((e) => e.event === 'factor.removed')?.details).toMatchObject({
      credentialId: second,
      deviceId: await api.deviceId(laptop),
    });
  });

  it('removing another device revokes its key; this device cannot remove itself', async () => {
    const old = await api.device({ name: 'old laptop' });
    const key = securityKey();
    const { username } = await api.enrolled(old, key, 'security-key');
    const fresh = await api.device({ name: 'new laptop' });
    const replace = await fresh.sessionWith(username, 'replace', key);
    await fresh.register(replace, 'passkey', passkey());
    await fresh.complete(replace);
    const token = await fresh.sessionWith(username, 'manage', key);
    const [oldId, freshId] = [await api.deviceId(old), await api.deviceId(fresh)];
    expectRefusal(await fresh.call('removeDevice', { params: { id: freshId }, token }), 400, 'invalid_request');
    expectStatus(await fresh.call('removeDevice', { params: { id: oldId }, token }), 204);
    expectRefusal(await old.call('authenticationOptions', { body: { username, purpose: 'manage' } }), 403, 'device_revoked');
    expect((await overview(fresh, token)).devices.map((d) => d.id)).toEqual([freshId]);
  });
});

describe('assertions the server refuses', () => {
  it('an unknown username gets options that look like a real one (a stable decoy), and no session', async () => {
    const laptop = await api.device();
    const { username } = await api.enrolled(laptop, securityKey(), 'security-key');
    const ask = async (name: string) =>
      AuthenticationOptionsResponse.parse(
        expectStatus(await laptop.call('authenticationOptions', { body: { username: name, purpose: 'replace' } }), 200),
      ).options;
    const real = await ask(username);
    const decoy = await ask('no.such.person');
    expect(decoy.allowCredentials).toHaveLength(1);
    expect(decoy.allowCredentials?.[0]?.id).toHaveLength(real.allowCredentials?.[0]?.id.length ?? 0);
    expect((await ask('no.such.person')).allowCredentials).toEqual(decoy.allowCredentials);
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real).sort());
    expect(() => securityKey().get(decoy, { origin: TEST_ORIGIN })).toThrow(NoCredentialError);
  });

  it('a credential of another user, a replayed assertion, a proof from another device key, a lowered counter', async () => {
    const laptop = await api.device();
    const key = securityKey();
    const mine = await api.enrolled(laptop, key, 'security-key');
    const otherKey = securityKey();
    const theirs = await api.enrolled(await api.device(), otherKey, 'security-key');

    const asked = AuthenticationOptionsResponse.parse(
      (await laptop.call('authenticationOptions', { body: { username: mine.username, purpose: 'replace' } })).body,
    );
    const wrongUser = otherKey.get(asked.options, { origin: TEST_ORIGIN, credentialId: theirs.credentialId });
    const refused = await laptop.call('authenticate', {
      body: { ceremonyId: asked.ceremonyId, response: wrongUser, device: laptop.signals },
    });
    expectRefusal(refused, 400, 'verification_failed');
    expect(ApiError.parse(refused.body).error.message).toBe('unknown_credential');

    const again = AuthenticationOptionsResponse.parse(
      (await laptop.call('authenticationOptions', { body: { username: mine.username, purpose: 'replace' } })).body,
    );
    const response = key.get(again.options, { origin: TEST_ORIGIN });
    const elsewhere = await api.device();
    expectRefusal(
      await elsewhere.call('authenticate', { body: { ceremonyId: again.ceremonyId, response, device: elsewhere.signals } }),
      409,
      'challenge_missing',
    );
    expectStatus(await laptop.call('authenticate', { body: { ceremonyId: again.ceremonyId, response, device: laptop.signals } }), 201);
    expectRefusal(
      await laptop.call('authenticate', { body: { ceremonyId: again.ceremonyId, response, device: laptop.signals } }),
      409,
      'challenge_missing',
    );

    const cloned = await laptop.authenticate(mine.username, 'replace', key, { signCount: 1 });
    expectRefusal(cloned, 400, 'verification_failed');
    expect(ApiError.parse(cloned.body).error.message).toBe('counter_regression');
    const wrongOrigin = await laptop.authenticate(mine.username, 'replace', key, { origin: 'https://evil.example' });
    expect(ApiError.parse(wrongOrigin.body).error.message).toBe('origin_mismatch');
    const forged = await laptop.authenticate(mine.username, 'replace', key, { corruptSignature: true });
    expect(ApiError.parse(forged.body).error.message).toBe('signature_invalid');
    expect((await api.auditOf(mine.username)).filter((e) => e.event === 'auth.refused').map((e) => e.details.reason)).toEqual([
      'unknown_credential',
      'counter_regression',
      'origin_mismatch',
      'signature_invalid',
    ]);
  });

  it('user verification as policy requires: a privileged user’s key must verify the user', async () => {
    const laptop = await api.device();
    const key = securityKey();
    const { username } = await api.enrolled(laptop, key, 'security-key', { role: 'admin' });
    const refused = await laptop.authenticate(username, 'manage', key, { flags: { userVerified: false } });
    expect(ApiError.parse(refused.body).error.message).toBe('user_verification_missing');
    expectStatus(await laptop.authenticate(username, 'manage', key), 201);
  });
});

describe('a tier that suspends instead of revoking on recovery', () => {
  it('old factors are suspended (unusable) until an agent reinstates one', async () => {
    await api.close();
    const standard = DEFAULT_POLICY.tiers.standard;
    if (!standard) throw new Error('no standard tier');
    api = await Api.start(
      {},
      {
        policy: PolicyStore.fixed({
          ...DEFAULT_POLICY,
          tiers: { ...DEFAULT_POLICY.tiers, standard: { ...standard, onRecovery: 'suspend' } },
        }),
      },
    );
    const old = await api.device();
    const key = securityKey();
    const { username, credentialId, recoveryCodes } = await api.enrolled(old, key, 'security-key');
    const fresh = await api.device();
    const opened = (await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] })).body as { token: string };
    await fresh.register(opened.token, 'passkey', passkey());
    const done = await fresh.complete(opened.token);
    expect(done.retired?.factors).toEqual([credentialId]);
    const suspended = await fresh.authenticate(username, 'manage', key, { credentialId });
    expectRefusal(suspended, 403, 'factor_revoked');
    expect(ApiError.parse(suspended.body).error.message).toContain('suspended');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('factor.suspended');

    expectStatus(await api.admin('reinstateFactor', { params: { id: credentialId }, body: {} }), 204);
    expectStatus(await fresh.authenticate(username, 'manage', key, { credentialId }), 201);
    expectRefusal(await api.admin('reinstateFactor', { params: { id: credentialId }, body: {} }), 404, 'not_found');
  });
});
