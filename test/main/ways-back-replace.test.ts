import { describe, expect, it } from 'vitest';
import { DEMO_RP_ID } from '../../api/defaults.js';
import { DEVICE, newDevice } from './support/device.js';
import {
  clock,
  credentialsOf,
  deviceRow,
  enrolled,
  expectNoneReached,
  ORIGIN,
  refusalCode,
  server,
  sessionRow,
  sessionsOf,
  useWaysBackServer,
} from './support/ways-back.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * A way back through main: an assertion of a factor the person still holds opens a `replace`
 * session, which can move that factor to this device; the ceremony id and token stay in main.
 */

useWaysBackServer();

describe('sign in with a factor still held', () => {
  it("authenticationOptions + authenticate opens a 'replace' session; the ceremony id and token stay in main", async () => {
    const first = await enrolled();
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);

    // No options asked: main has no ceremony, and the server is not asked.
    const early = first.authenticator.get(
      {
        challenge: Buffer.from('not a real challenge').toString('base64url'),
        rpId: DEMO_RP_ID,
        allowCredentials: [{ id: first.credentialId, type: 'public-key' }],
      },
      { origin: ORIGIN },
    );
    expectRefused(await app.call('authenticate', { response: early }), 'challenge_missing');
    expect(await app.value('currentSession')).toBeNull();

    const options = await app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    expect(options.rpId).toBe(DEMO_RP_ID);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([first.credentialId]);
    expect(Object.keys(options)).not.toContain('ceremonyId');
    expect(device.ceremonies).toHaveLength(1);

    const assertion = first.authenticator.get(options, { origin: ORIGIN });
    const session = await app.value('authenticate', { response: assertion });
    expect(session).toMatchObject({ purpose: 'replace', user: { username: first.username } });
    expect(await app.value('currentSession')).toMatchObject({ id: session.id, purpose: 'replace' });
    expect(await sessionRow(session.id)).toMatchObject({
      purpose: 'replace',
      opened_by: 'assertion',
      auth_credential_id: first.credentialId,
    });

    // The same assertion again: main has spent its ceremony, so it refuses without asking the server,
    // and the session just opened is untouched.
    expectRefused(await app.call('authenticate', { response: assertion }), 'challenge_missing');
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });
    // The server spent the ceremony too: replaying it directly is refused.
    const [ceremonyId] = device.ceremonies;
    expect(
      await refusalCode(device.api.call('authenticate', { body: { ceremonyId: ceremonyId ?? '', response: assertion, device: DEVICE } })),
    ).toBe('challenge_missing');

    expect(device.tokens).toHaveLength(1);
    expectNoneReached(app, [...device.tokens, ...device.ceremonies]);
  });

  it('an old assertion against a new ceremony is refused by the server, and costs the session held', async () => {
    const first = await enrolled();
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const options = await app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    const assertion = first.authenticator.get(options, { origin: ORIGIN });
    const session = await app.value('authenticate', { response: assertion });
    const sessionsBefore = (await sessionsOf(first.username)).length;

    await app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    expectRefused(await app.call('authenticate', { response: assertion }), 'verification_failed');
    // One window, one session: main ended the held session before presenting the new assertion.
    expect(await app.value('currentSession')).toBeNull();
    expect((await sessionRow(session.id)).ended_at).not.toBeNull();
    expect(await sessionsOf(first.username)).toHaveLength(sessionsBefore);
    // Its ceremony is spent either way: a retry needs new options.
    expectRefused(await app.call('authenticate', { response: assertion }), 'challenge_missing');

    expect(device.ceremonies).toHaveLength(2);
    expectNoneReached(app, [...device.tokens, ...device.ceremonies]);
  });

  it('an assertion for another origin is refused and opens nothing', async () => {
    const first = await enrolled();
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const options = await app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    const phished = first.authenticator.get(options, { origin: 'https://enrol.firstkey.test.evil.example' });
    expectRefused(await app.call('authenticate', { response: phished }), 'verification_failed');
    expect(await app.value('currentSession')).toBeNull();
    expect(device.tokens).toEqual([]);
  });
});

describe('moving a factor to this device', () => {
  it('completeSession({ rebind: true }) in a replace session moves the factor here and retires the old device key', async () => {
    const first = await enrolled();
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const options = await app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    const session = await app.value('authenticate', { response: first.authenticator.get(options, { origin: ORIGIN }) });
    const here = (await sessionRow(session.id)).device_id;
    if (!here) throw new Error('the replace session has no device');
    expect(here).not.toBe(first.deviceId);

    // A key outside the contract never reaches the handler: the session is still held afterwards.
    const states = async () => (await sessionsOf(first.username)).map((s) => [s.id, s.completed_at, s.ended_at]);
    const sessionsBefore = await states();
    expectRefused(await app.call('completeSession', { rebind: true, moveTo: first.deviceId }), 'bad_payload');
    expectRefused(await app.call('completeSession', { rebind: true, token: 'x'.repeat(40) }), 'bad_payload');
    expectRefused(await app.call('completeSession', { rebind: 'yes' }), 'bad_payload');
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });
    expect(await states()).toEqual(sessionsBefore);
    expect((await credentialsOf(first.username)).map((c) => c.device_id)).toEqual([first.deviceId]);

    const done = await app.value('completeSession', { rebind: true });
    expect(done.user.username).toBe(first.username);
    expect(done.credentials).toEqual([expect.objectContaining({ id: first.credentialId, status: 'active' })]);
    expect(done.retired).toEqual({ factors: [], devices: [first.deviceId] });
    expect(done.recoveryCodes).toBeUndefined();
    expect(await app.value('currentSession')).toBeNull();

    expect((await credentialsOf(first.username)).map((c) => [c.id, c.status, c.device_id])).toEqual([[first.credentialId, 'active', here]]);
    expect((await deviceRow(first.deviceId)).revoked_at).not.toBeNull();
    expect((await deviceRow(here)).revoked_at).toBeNull();

    // The old installation's key is refused from now on, even for calls that need no session.
    expectRefused(await first.app.call('authenticationOptions', { username: first.username, purpose: 'replace' }), 'device_revoked');
    expectRefused(await first.app.call('fileRecoveryRequest', { username: first.username }), 'device_revoked');

    // The factor still signs in, now from here.
    const again = await app.value('authenticationOptions', { username: first.username, purpose: 'manage' });
    expect(await app.value('authenticate', { response: first.authenticator.get(again, { origin: ORIGIN }) })).toMatchObject({
      purpose: 'manage',
    });

    expectNoneReached(app, [...device.tokens, ...device.ceremonies]);
  });

  it('rebinding from the device the factor is already on is refused, and the session stays open', async () => {
    const first = await enrolled();
    const options = await first.app.value('authenticationOptions', { username: first.username, purpose: 'replace' });
    const session = await first.app.value('authenticate', { response: first.authenticator.get(options, { origin: ORIGIN }) });
    expectRefused(await first.app.call('completeSession', { rebind: true }), 'invalid_request');
    expect(await first.app.value('currentSession')).toMatchObject({ id: session.id });
    expect((await deviceRow(first.deviceId)).revoked_at).toBeNull();
  });
});
