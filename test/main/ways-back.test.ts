import { serverAgent, CHECKED } from '../support/operators.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import type { RunningServer } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { DEVICE, newDevice, settle } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf, type AppWindow } from './support/window.js';

/**
 * The ways back, through main as the renderer reaches it: the controller's real handlers
 * behind the IPC gate, the real API client signing DPoP proofs with a real device key, and
 * the real verification server on an in-memory database. A recovery code or a help-desk
 * code opens a `recover` session; an assertion of a factor the person still holds opens a
 * `replace` session, which can move that factor to this device. Session tokens, ceremony ids
 * and the help-desk request id main sends stay in main.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const clock = new TestClock('running');
let server: RunningServer;

beforeAll(async () => {
  server = await startDemoServer({}, clock);
});
afterAll(async () => {
  await server.close();
});

/** None of these secrets in anything the renderer was given: raw, base64-encoded, or a telling prefix. */
function expectNoneReached(window: AppWindow, secrets: string[]): void {
  const everything = JSON.stringify(window.answers);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    expect(everything).not.toContain(secret.slice(0, 16));
  }
}

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const outcome = await settle(promise);
  if (outcome.ok) return 'resolved';
  return outcome.error instanceof ApiClientError ? outcome.error.code : `not an ApiClientError: ${String(outcome.error)}`;
}

async function userId(username: string): Promise<string> {
  return (await server.services.accounts.findUser(username)).id;
}

async function credentialsOf(username: string) {
  const id = await userId(username);
  return server.db.selectFrom('credentials').selectAll().where('user_id', '=', id).orderBy('created_at').execute();
}

async function sessionsOf(username: string) {
  const id = await userId(username);
  return server.db.selectFrom('sessions').selectAll().where('user_id', '=', id).orderBy('created_at').execute();
}

/** The server's row for a session the renderer knows only by its view id. */
async function sessionRow(sessionId: string) {
  return server.db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
}

async function deviceRow(deviceId: string) {
  return server.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirstOrThrow();
}

/** A first day through main: a passkey registered with `authenticator` on a fresh device, then completed. */
async function enrolled(authenticator = new SoftAuthenticator({ attachment: 'platform' })) {
  const { username, code } = await newEnrolee(server);
  const device = newDevice(server.url, { clock });
  const app = windowOf(device);
  const session = await app.value('startSession', { code });
  const options = await app.value('registrationOptions', { factor: 'passkey' });
  const response = authenticator.create(options, { origin: ORIGIN });
  await app.value('verifyRegistration', { factor: 'passkey', response });
  const done = await app.value('completeSession');
  expect(done.recoveryCodes).toHaveLength(10);
  const deviceId = (await sessionRow(session.id)).device_id;
  if (!deviceId) throw new Error('the enrolment session has no device');
  return { username, device, app, authenticator, credentialId: response.id, recoveryCodes: done.recoveryCodes ?? [], deviceId };
}

/** Registers a new passkey in the session `app` holds and completes it. */
async function registerAndComplete(app: AppWindow, authenticator = new SoftAuthenticator({ attachment: 'platform' })) {
  const options = await app.value('registrationOptions', { factor: 'passkey' });
  const response = authenticator.create(options, { origin: ORIGIN });
  await app.value('verifyRegistration', { factor: 'passkey', response });
  return { credentialId: response.id, done: await app.value('completeSession') };
}

describe('recover with a saved recovery code', () => {
  it("opens a 'recover' session whose token never reaches the renderer, and completing it retires the lost factor", async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');

    // The person's computer is gone: a new installation, a new device key.
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const session = await app.value('recover', { method: 'recovery-code', username: first.username, code });
    expect(session).toMatchObject({ purpose: 'recover', user: { username: first.username } });
    expect(await app.value('currentSession')).toMatchObject({ id: session.id, purpose: 'recover' });
    const row = await sessionRow(session.id);
    expect(row).toMatchObject({ purpose: 'recover', opened_by: 'recovery-code', completed_at: null, ended_at: null });
    expect(row.device_id).not.toBe(first.deviceId);

    // A rebind belongs to a replace session: the server refuses it, and the session stays.
    expectRefused(await app.call('completeSession', { rebind: true }), 'invalid_request');
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });

    const { credentialId, done } = await registerAndComplete(app);
    expect(done.credentials.map((c) => c.id)).toEqual([credentialId]);
    expect(done.retired).toEqual({ factors: [first.credentialId], devices: [first.deviceId] });
    expect(done.recoveryCodes).toHaveLength(10);
    expect(done.recoveryCodes).not.toContain(code);
    expect(await app.value('currentSession')).toBeNull();
    expect((await credentialsOf(first.username)).map((c) => [c.id, c.status])).toEqual([
      [first.credentialId, 'revoked'],
      [credentialId, 'active'],
    ]);

    expect(device.tokens).toHaveLength(1);
    expectNoneReached(app, device.tokens);
    // The recovery code itself is the person's to type, but main never echoes it back either.
    expect(JSON.stringify(app.answers)).not.toContain(code);
  });

  it('a spent code, a wrong code or an unknown user is one refusal, and no session is held', async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const before = (await sessionsOf(first.username)).length;

    const app = windowOf(newDevice(server.url, { clock }));
    // A known and an unknown username hear the same words, and the same tries left.
    expectRefused(
      await app.call('recover', { method: 'recovery-code', username: first.username, code: 'not-a-code' }),
      'recovery_code_invalid',
      { tries: { beforeWait: 2 } },
    );
    expectRefused(await app.call('recover', { method: 'recovery-code', username: 'no.such.person', code }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('currentSession')).toBeNull();
    expect(await sessionsOf(first.username)).toHaveLength(before);

    await app.value('recover', { method: 'recovery-code', username: first.username, code });
    await app.value('endSession');
    // A spent code counts as a wrong one.
    expectRefused(await app.call('recover', { method: 'recovery-code', username: first.username, code }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('currentSession')).toBeNull();
  });

  it('recovering while another session is held ends that one first', async () => {
    const first = await enrolled();
    const [code] = first.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const { code: enrolmentCode } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    await app.value('startSession', { code: enrolmentCode });
    const held = device.tokens[0] ?? '';

    const session = await app.value('recover', { method: 'recovery-code', username: first.username, code });
    expect(session.purpose).toBe('recover');
    expect(await refusalCode(device.api.call('getSession', { token: held }))).toBe('session_invalid');
    expect(device.tokens).toHaveLength(2);
    expectNoneReached(app, device.tokens);
  });
});

describe('recover through the help desk', () => {
  it('the request id stays in main; the approved code works from the filing controller only', async () => {
    const { username } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);

    // Nothing filed yet: nothing to poll, and no code can be redeemed.
    expect(await app.value('recoveryRequestStatus')).toBeNull();
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM' }), 'no_session');

    const filed = await app.value('fileRecoveryRequest', { username });
    expect(filed).toMatchObject({ status: 'pending' });
    expect(Object.keys(filed).sort()).toEqual(['createdAt', 'expiresAt', 'helpDeskContact', 'id', 'reference', 'status']);
    expect(await app.value('recoveryRequestStatus')).toEqual(filed);

    // Before any approval the server says so, and main keeps the request for the next try.
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM' }), 'request_pending');
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'pending' });

    const approval = await server.services.helpdesk.approve(filed.id, username, await serverAgent(server, 'agent.smith'), CHECKED);
    const code = approval.code;
    if (!code) throw new Error('a single approval should have issued the code');
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'approved' });

    // Another installation (another device key) with the very same code.
    const sessionsBefore = (await sessionsOf(username)).length;
    const other = newDevice(server.url, { clock });
    const otherApp = windowOf(other);
    // It filed nothing, so its main has no request to name: refused before the server is asked.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code }), 'no_session');
    // The renderer cannot supply the request id itself: the contract refuses the extra key.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code, requestId: filed.id }), 'bad_payload');
    expect(await otherApp.value('recoveryRequestStatus')).toBeNull();
    // Even a client that names the request directly is refused by the server: the code is bound to the filing key.
    expect(
      await refusalCode(other.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } })),
    ).toBe('device_mismatch');
    expect(await refusalCode(other.api.call('recoveryRequestStatus', { params: { id: filed.id } }))).toBe('not_found');
    expect(await otherApp.value('currentSession')).toBeNull();
    expect(other.tokens).toEqual([]);
    expect(await sessionsOf(username)).toHaveLength(sessionsBefore);

    // A wrong code from the filing device is refused and does not make main forget the request.
    expectRefused(await app.call('recover', { method: 'helpdesk', code: 'WRNG-WRNG-WRNG' }), 'recovery_code_invalid', {
      tries: { beforeWait: 2 },
    });
    expect(await app.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'approved' });

    const session = await app.value('recover', { method: 'helpdesk', code });
    expect(session).toMatchObject({ purpose: 'recover', user: { username } });
    expect(await sessionRow(session.id)).toMatchObject({ purpose: 'recover', opened_by: 'helpdesk-code' });
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });
    expect(await sessionsOf(username)).toHaveLength(sessionsBefore + 1);

    // Redeemed: main forgets the request; the server shows it spent.
    expect(await app.value('recoveryRequestStatus')).toBeNull();
    expect(await device.api.call('recoveryRequestStatus', { params: { id: filed.id } })).toMatchObject({
      id: filed.id,
      status: 'redeemed',
    });
    expect(
      await refusalCode(
        device.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } }),
      ),
    ).toBe('request_closed');
    // The session just opened is still the one held (the raw call above bypassed the controller).
    expect(await app.value('currentSession')).toMatchObject({ id: session.id });

    // And the other installation still gets nothing, after the redemption too.
    expect(
      await refusalCode(other.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: filed.id, code, device: DEVICE } })),
    ).toBe('device_mismatch');
    expect(await otherApp.value('currentSession')).toBeNull();

    const { done } = await registerAndComplete(app);
    expect(done.recoveryCodes).toHaveLength(10);
    expect(device.tokens).toHaveLength(1);
    expectNoneReached(app, device.tokens);
    expectNoneReached(otherApp, device.tokens);
  });

  it('a request the other controller files for the same person does not make the code its own', async () => {
    const { username } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    const filed = await app.value('fileRecoveryRequest', { username });
    const code = (await server.services.helpdesk.approve(filed.id, username, await serverAgent(server, 'agent.smith'), CHECKED)).code;
    if (!code) throw new Error('no code');

    const other = newDevice(server.url, { clock });
    const otherApp = windowOf(other);
    const own = await otherApp.value('fileRecoveryRequest', { username });
    expect(own.id).not.toBe(filed.id);
    // Its main names its own (pending) request: the first device's code cannot open anything here.
    expectRefused(await otherApp.call('recover', { method: 'helpdesk', code }), 'request_pending');
    expect(await otherApp.value('currentSession')).toBeNull();
    expect(other.tokens).toEqual([]);

    expect(await app.value('recover', { method: 'helpdesk', code })).toMatchObject({ purpose: 'recover' });
  });
});

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
