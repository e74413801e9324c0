import { afterAll, beforeAll, expect } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import { ApiClientError } from '../../../electron/main/api-client.js';
import type { RunningServer } from '../../../server/start.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { TestClock } from '../../support/test-clock.js';
import { newDevice, settle } from './device.js';
import { newEnrolee, startDemoServer } from './server.js';
import { windowOf, type AppWindow } from './window.js';

/**
 * What the ways-back tests share: one demo server per test file, a first day through main, and
 * the checks on what main gives away. The ways back are tested through main as the renderer
 * reaches it: the controller's real handlers behind the IPC gate, the real API client signing
 * DPoP proofs with a real device key, and the real verification server on an in-memory database.
 * A recovery code or a help-desk code opens a `recover` session; an assertion of a factor the
 * person still holds opens a `replace` session, which can move that factor to this device.
 * Session tokens, ceremony ids and the help-desk request id main sends stay in main.
 */

export const ORIGIN = DEMO_ENROLMENT_ORIGIN;
export const clock = new TestClock('running');

/** The test file's server. A live binding: set by the `beforeAll` that `useWaysBackServer` registers. */
export let server: RunningServer;

/** Starts the demo server (on `clock`) before the test file's tests, and closes it after them. */
export function useWaysBackServer(): void {
  beforeAll(async () => {
    server = await startDemoServer({}, clock);
  });
  afterAll(async () => {
    await server.close();
  });
}

/** None of these secrets in anything the renderer was given: raw, base64-encoded, or a telling prefix. */
export function expectNoneReached(window: AppWindow, secrets: string[]): void {
  const everything = JSON.stringify(window.answers);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    expect(everything).not.toContain(secret.slice(0, 16));
  }
}

export async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const outcome = await settle(promise);
  if (outcome.ok) return 'resolved';
  return outcome.error instanceof ApiClientError ? outcome.error.code : `not an ApiClientError: ${String(outcome.error)}`;
}

async function userId(username: string): Promise<string> {
  return (await server.services.accounts.findUser(username)).id;
}

export async function credentialsOf(username: string) {
  const id = await userId(username);
  return server.db.selectFrom('credentials').selectAll().where('user_id', '=', id).orderBy('created_at').execute();
}

export async function sessionsOf(username: string) {
  const id = await userId(username);
  return server.db.selectFrom('sessions').selectAll().where('user_id', '=', id).orderBy('created_at').execute();
}

/** The server's row for a session the renderer knows only by its view id. */
export async function sessionRow(sessionId: string) {
  return server.db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
}

export async function deviceRow(deviceId: string) {
  return server.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirstOrThrow();
}

/** A first day through main: a passkey registered with `authenticator` on a fresh device, then completed. */
export async function enrolled(authenticator = new SoftAuthenticator({ attachment: 'platform' })) {
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
export async function registerAndComplete(app: AppWindow, authenticator = new SoftAuthenticator({ attachment: 'platform' })) {
  const options = await app.value('registrationOptions', { factor: 'passkey' });
  const response = authenticator.create(options, { origin: ORIGIN });
  await app.value('verifyRegistration', { factor: 'passkey', response });
  return { credentialId: response.id, done: await app.value('completeSession') };
}
