// Runs against the real OS keychain and the real server:
//   scripts/with-keyring.sh npx vitest run --project sqlite test/main/lost-device-key.test.ts
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { deviceKeyLoader } from '../../electron/main/device/device-identity.js';
import { DEVICE_KEY_SERVICE, DeviceKeyLostError, deviceKeyAccount, loadOrCreateDeviceKey } from '../../electron/main/device/device-key.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import { KeytarSecretStore } from '../../electron/main/device/secret-store.js';
import { readRecordedThumbprint, THUMBPRINT_RECORD_FILE } from '../../electron/main/device/thumbprint-record.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import type { RunningServer } from '../../server/start.js';
import { requireKeychain } from '../support/require-keychain.js';
import { DEVICE, settle } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import type { IpcName } from '../../api/ipc-channels.js';
import type { IpcResult, IpcResults } from '../../api/ipc.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';

/**
 * Issue 10, "A deleted keychain entry is silently replaced": the app records
 * its device key's public thumbprint in its user data; a keychain that no
 * longer holds that key is reported as device_key_lost and nothing new is made
 * until the person chooses a way back.
 */
const store = new KeytarSecretStore();
const installations: string[] = [];
const dirs: string[] = [];
let server: RunningServer;

async function installation(): Promise<{ id: string; userData: string }> {
  const id = `lost-${randomUUID()}`;
  installations.push(id);
  const userData = await mkdtemp(join(tmpdir(), 'firstkey-userdata-'));
  dirs.push(userData);
  return { id, userData };
}

/** The app as one run of it wires main: the real loader, signer, client and controller behind the IPC gate. */
function appRun(id: string, userData: string) {
  const loader = deviceKeyLoader(new KeytarSecretStore(), id, userData);
  const api = createApiClient({ baseUrl: server.url, signProof: createProofSigner(loader) });
  const controller = new EnrolmentController(api, DEVICE, { deviceKey: loader });
  const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN);
  async function call<N extends IpcName>(name: N, payload?: unknown): Promise<IpcResult<IpcResults[N]>> {
    return (await dispatch({ senderUrl: `${DEMO_ENROLMENT_ORIGIN}/`, isMainFrame: true, name, payload })) as IpcResult<IpcResults[N]>;
  }
  async function value<N extends IpcName>(name: N, payload?: unknown): Promise<IpcResults[N]> {
    const result = await call(name, payload);
    if (!result.ok) throw new Error(`${name} refused: ${result.error.code}`);
    return result.value;
  }
  return { loader, controller, dispatch, window: { call, value } };
}

const deleteEntry = (id: string) => store.delete(DEVICE_KEY_SERVICE, deviceKeyAccount(id));
const entryOf = (id: string) => store.get(DEVICE_KEY_SERVICE, deviceKeyAccount(id));

beforeAll(async () => {
  await requireKeychain(store);
  server = await startDemoServer();
});
afterEach(async () => {
  for (const id of installations.splice(0)) await deleteEntry(id).catch(() => undefined);
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await server.close();
});

describe('A deleted keychain entry is silently replaced', () => {
  it('records the new key’s public thumbprint (and nothing private) in the user data directory', async () => {
    const { id, userData } = await installation();
    const key = await deviceKeyLoader(store, id, userData)();
    expect(key.created).toBe(true);
    expect(await readRecordedThumbprint(userData, id)).toBe(key.thumbprint);
    const file = await readFile(join(userData, THUMBPRINT_RECORD_FILE), 'utf8');
    const stored = JSON.parse((await entryOf(id)) ?? '{}') as { jwk: { d: string } };
    expect(file).not.toContain(stored.jwk.d);
  });

  it('reports device_key_lost after the entry is deleted, and creates nothing in the keychain', async () => {
    const { id, userData } = await installation();
    await deviceKeyLoader(store, id, userData)();
    expect(await deleteEntry(id)).toBe(true);

    // The next run of the app.
    const loader = deviceKeyLoader(new KeytarSecretStore(), id, userData);
    expect(await loader.status()).toBe('device_key_lost');
    const outcome = await settle(loader());
    expect(outcome.ok ? null : outcome.error).toBeInstanceOf(DeviceKeyLostError);
    expect(outcome.ok ? null : (outcome.error as DeviceKeyLostError).reason).toBe('missing');
    expect(await entryOf(id)).toBeNull();
  });

  it('reports a different key in the keychain as lost and leaves that entry as it found it', async () => {
    const { id, userData } = await installation();
    await deviceKeyLoader(store, id, userData)();
    const other = await installation();
    await loadOrCreateDeviceKey(store, { installationId: other.id });
    const foreign = await entryOf(other.id);
    await store.set(DEVICE_KEY_SERVICE, deviceKeyAccount(id), foreign ?? '');

    const outcome = await settle(loadOrCreateDeviceKey(store, { installationId: id, recordDir: userData }));
    expect(outcome.ok ? null : (outcome.error as DeviceKeyLostError).reason).toBe('replaced');
    expect(await entryOf(id)).toBe(foreign);
  });

  it('answers device_key_lost through the IPC gate when an enrolment starts, and the server never hears from this computer', async () => {
    const { id, userData } = await installation();
    const first = appRun(id, userData);
    const enrolee = await newEnrolee(server);
    expect((await first.window.call('startSession', { code: enrolee.code })).ok).toBe(true);
    await first.window.call('endSession');
    const devicesBefore = (await server.services.devices.list()).length;
    await deleteEntry(id);

    const later = appRun(id, userData);
    expect(await later.window.value('deviceKeyStatus')).toBe('device_key_lost');
    const again = await newEnrolee(server);
    expect(await later.window.call('startSession', { code: again.code })).toEqual({
      ok: false,
      error: { code: 'device_key_lost', message: expect.any(String) as string },
    });
    expect((await server.services.devices.list()).length).toBe(devicesBefore);
    expect(await entryOf(id)).toBeNull();
  });

  it('replaceDeviceKey, once the key is lost, makes a fresh key, records it, and the way back enrols this computer as a new device', async () => {
    const { id, userData } = await installation();
    const first = appRun(id, userData);
    const oldKey = await first.loader();
    await deleteEntry(id);

    const later = appRun(id, userData);
    expect(await later.window.value('replaceDeviceKey')).toBe('ready');
    const fresh = await later.loader();
    expect(fresh.thumbprint).not.toBe(oldKey.thumbprint);
    expect(await readRecordedThumbprint(userData, id)).toBe(fresh.thumbprint);
    expect(await entryOf(id)).not.toBeNull();

    const enrolee = await newEnrolee(server);
    const session = await later.window.value('startSession', { code: enrolee.code });
    expect(session.user.username).toBe(enrolee.username);
    // And the run after that loads the same fresh key without complaint.
    expect(await appRun(id, userData).window.value('deviceKeyStatus')).toBe('ready');
  });

  it('never replaces a working key on request: a page cannot orphan this computer’s device record', async () => {
    const { id, userData } = await installation();
    const run = appRun(id, userData);
    const key = await run.loader();
    const before = await entryOf(id);
    expect(await run.window.value('replaceDeviceKey')).toBe('ready');
    expect(await entryOf(id)).toBe(before);
    expect(await readRecordedThumbprint(userData, id)).toBe(key.thumbprint);
  });

  it('adopts a key made before thumbprints were recorded, instead of calling it lost', async () => {
    const { id, userData } = await installation();
    const key = await loadOrCreateDeviceKey(store, { installationId: id });
    expect(await deviceKeyLoader(store, id, userData).status()).toBe('ready');
    expect(await readRecordedThumbprint(userData, id)).toBe(key.thumbprint);
  });

  it('treats a damaged record file as no record rather than refusing to start', async () => {
    const { id, userData } = await installation();
    await writeFile(join(userData, THUMBPRINT_RECORD_FILE), '{"v":1,"keys":');
    const key = await deviceKeyLoader(store, id, userData)();
    expect(await readRecordedThumbprint(userData, id)).toBe(key.thumbprint);
  });
});

describe('the origin check still guards the new device-key calls', () => {
  it('refuses replaceDeviceKey from a frame that is not the enrolment window', async () => {
    const { id, userData } = await installation();
    const run = appRun(id, userData);
    await run.loader();
    await deleteEntry(id);
    const refused = await run.dispatch({
      senderUrl: 'https://evil.example/',
      isMainFrame: true,
      name: 'replaceDeviceKey',
      payload: undefined,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(await entryOf(id)).toBeNull();
  });
});
