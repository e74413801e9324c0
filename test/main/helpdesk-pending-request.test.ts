import { serverAgent, CHECKED } from '../support/operators.js';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../electron/main/api-client.js';
import { deviceKeyLoader } from '../../electron/main/device/device-identity.js';
import { deviceKeyAccount, DEVICE_KEY_SERVICE } from '../../electron/main/device/device-key.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { PENDING_REQUEST_FILE, pendingRequestStore } from '../../electron/main/recovery/pending-request.js';
import type { RunningServer } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { DEVICE, MemorySecretStore } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * Issue 14, "A help-desk request does not survive an app restart": main keeps the filed request
 * in the app's user data (a real file in a temporary directory here), bound to the device key's
 * thumbprint, until it is used, denied or lapses. Each "run" below is a fresh controller over the
 * same keychain and user data directory, as a restart of the app is.
 */

const dirs: string[] = [];
async function userDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'firstkey-pending-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const THUMBPRINT_A = 'A'.repeat(43);
const THUMBPRINT_B = 'B'.repeat(43);

describe('the pending-request file', () => {
  it('is written whole (no temporary left, owner-only), holds no secret, and is read back for the same device key', async () => {
    const dir = await userDataDir();
    const store = pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_A) });
    expect(await store.load()).toBeNull();
    await store.save({ id: 'req-1', reference: 'K7MQ-4QX9' });
    expect(await readdir(dir)).toEqual([PENDING_REQUEST_FILE]);
    if (process.platform !== 'win32') expect((await stat(join(dir, PENDING_REQUEST_FILE))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, PENDING_REQUEST_FILE), 'utf8'))).toMatchObject({
      v: 1,
      id: 'req-1',
      reference: 'K7MQ-4QX9',
      thumbprint: THUMBPRINT_A,
    });
    expect(await store.load()).toEqual({ id: 'req-1', reference: 'K7MQ-4QX9' });
    // A later request replaces the earlier one.
    await store.save({ id: 'req-2', reference: 'ABCD-EFGH' });
    expect(await store.load()).toEqual({ id: 'req-2', reference: 'ABCD-EFGH' });
    await store.clear();
    expect(await readdir(dir)).toEqual([]);
    expect(await store.load()).toBeNull();
  });

  it('a request filed under another device key is never picked up, and is removed', async () => {
    const dir = await userDataDir();
    await pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_A) }).save({ id: 'req-1', reference: 'K7MQ-4QX9' });
    expect(await pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_B) }).load()).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it('while the keychain cannot give the key, nothing is picked up and the file is kept for when it can', async () => {
    const dir = await userDataDir();
    await pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_A) }).save({ id: 'req-1', reference: 'K7MQ-4QX9' });
    const locked = pendingRequestStore({ dir, thumbprint: () => Promise.reject(new Error('keychain locked')) });
    expect(await locked.load()).toBeNull();
    expect(await pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_A) }).load()).toEqual({
      id: 'req-1',
      reference: 'K7MQ-4QX9',
    });
  });

  it('a damaged or altered file names no request', async () => {
    const dir = await userDataDir();
    const store = pendingRequestStore({ dir, thumbprint: () => Promise.resolve(THUMBPRINT_A) });
    for (const content of [
      '{"v":1,"id":"req-1"',
      JSON.stringify({ v: 1, id: 'req-1', reference: 'not a reference', thumbprint: THUMBPRINT_A, filedAt: new Date().toISOString() }),
      JSON.stringify({ v: 2, id: 'req-1', reference: 'K7MQ-4QX9', thumbprint: THUMBPRINT_A, filedAt: new Date().toISOString() }),
    ]) {
      await writeFile(join(dir, PENDING_REQUEST_FILE), content);
      expect(await store.load()).toBeNull();
      expect(await readdir(dir)).toEqual([]);
    }
  });
});

describe('a help-desk request survives an app restart', () => {
  const clock = new TestClock('running');
  let server: RunningServer;
  beforeAll(async () => {
    server = await startDemoServer({}, clock);
  });
  afterAll(async () => {
    await server.close();
  });

  /** One machine: its keychain and user data outlive each run of the app. */
  async function machine() {
    return { keychain: new MemorySecretStore(), installationId: `pending-${randomUUID()}`, userData: await userDataDir() };
  }

  /** One run of the app, wired as index.ts wires it. */
  function run(m: Awaited<ReturnType<typeof machine>>, helpDeskContact?: string) {
    const loader = deviceKeyLoader(m.keychain, m.installationId, m.userData);
    const controller = new EnrolmentController(
      createApiClient({ baseUrl: server.url, signProof: createProofSigner(loader, () => clock.now().getTime()) }),
      DEVICE,
      {
        deviceKey: loader,
        pendingRequest: pendingRequestStore({ dir: m.userData, thumbprint: async () => (await loader()).thumbprint }),
        helpDeskContact,
      },
    );
    return windowOf({
      controller,
      api: createApiClient({ baseUrl: server.url, signProof: createProofSigner(loader) }),
      tokens: [],
      ceremonies: [],
      store: m.keychain,
    });
  }

  it('after a restart the same request, with its reference, is shown, and the agent’s code for it opens the session', async () => {
    const { username } = await newEnrolee(server);
    const m = await machine();
    const filed = await run(m, 'IT Service Desk: +44 20 7946 0000').value('fileRecoveryRequest', { username });
    expect(filed).toMatchObject({ status: 'pending', helpDeskContact: 'IT Service Desk: +44 20 7946 0000' });

    const again = run(m);
    expect(await again.value('recoveryRequestStatus')).toMatchObject({
      id: filed.id,
      reference: filed.reference,
      status: 'pending',
      helpDeskContact: null,
    });
    const approval = await server.services.helpdesk.approve(filed.reference, username, await serverAgent(server, 'agent.smith'), CHECKED);
    const code = approval.code ?? '';

    const third = run(m);
    const session = await third.value('recover', { method: 'helpdesk', code });
    expect(session).toMatchObject({ purpose: 'recover', user: { username } });
    // Used: gone from disk, so no later run offers it again.
    expect(await readdir(m.userData)).not.toContain(PENDING_REQUEST_FILE);
    expect(await run(m).value('recoveryRequestStatus')).toBeNull();
  });

  it('denied while the app was closed: the next run says so once, then forgets it', async () => {
    const { username } = await newEnrolee(server);
    const m = await machine();
    const filed = await run(m).value('fileRecoveryRequest', { username });
    await server.services.helpdesk.deny(filed.id, username, await serverAgent(server, 'agent.smith'), 'caller could not be verified');

    const later = run(m);
    expect(await later.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'denied' });
    expect(await readdir(m.userData)).not.toContain(PENDING_REQUEST_FILE);
    expect(await later.value('recoveryRequestStatus')).toBeNull();
    expectRefused(await later.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM-NPQR' }), 'no_session');
  });

  it('lapsed while the app was closed: the next run says so once, then forgets it', async () => {
    const { username } = await newEnrolee(server);
    const m = await machine();
    const filed = await run(m).value('fileRecoveryRequest', { username });
    // The server's default: an unanswered request lives a day.
    clock.advance(86_400 + 1);
    const later = run(m);
    expect(await later.value('recoveryRequestStatus')).toMatchObject({ id: filed.id, status: 'expired' });
    expect(await later.value('recoveryRequestStatus')).toBeNull();
  });

  it('a request filed under a device key that was replaced is never picked up', async () => {
    const { username } = await newEnrolee(server);
    const m = await machine();
    const filed = await run(m).value('fileRecoveryRequest', { username });
    await server.services.helpdesk.approve(filed.id, username, await serverAgent(server, 'agent.smith'), CHECKED);

    // The keychain lost the key; the person lets the app make a new one.
    await m.keychain.delete(DEVICE_KEY_SERVICE, deviceKeyAccount(m.installationId));
    const later = run(m);
    expect(await later.value('deviceKeyStatus')).toBe('device_key_lost');
    expect(await later.value('replaceDeviceKey')).toBe('ready');
    expect(await later.value('recoveryRequestStatus')).toBeNull();
    expect(await readdir(m.userData)).not.toContain(PENDING_REQUEST_FILE);
    expectRefused(await later.call('recover', { method: 'helpdesk', code: 'ABCD-EFGH-JKLM-NPQR' }), 'no_session');
  });
});
