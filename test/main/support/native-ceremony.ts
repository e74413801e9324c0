import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../../api/defaults.js';
import type { NativeKeyStatus } from '../../../api/native-key.js';
import type { IpcResult, IpcResults } from '../../../api/ipc.js';
import { createApiClient } from '../../../electron/main/api-client.js';
import { EnrolmentController } from '../../../electron/main/enrolment-controller.js';
import { createLogger } from '../../../electron/main/log/logger.js';
import { computerCapabilities } from '../../../electron/main/native-webauthn/capabilities.js';
import { NativeCeremonies } from '../../../electron/main/native-webauthn/ceremony.js';
import type { HidBus } from '../../../electron/main/ctap2/transport.js';
import { ctap2Driver } from '../../../electron/main/native-webauthn/ctap2-driver.js';
import type { RunningServer } from '../../../server/start.js';
import { SoftHidBus, SoftSecurityKey, type SoftSecurityKeyOptions } from '../../support/ctap2/index.js';
import { TestClock } from '../../support/test-clock.js';
import { DEVICE, deviceProofSigner, MemorySecretStore } from './device.js';
import { startDemoServer } from './server.js';
import { windowOf, type AppWindow } from './window.js';

/** What the native-ceremony tests share: one real server trusting the soft key's CA, main's app on a software USB bus, and the page's way of following main's states. */

const clock = new TestClock('running');
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
/** The running server, once useNativeServer's beforeAll has started it (a live binding: importers see it then). */
export let server: RunningServer;
let anchors: string;
export const logDir = mkdtempSync(join(tmpdir(), 'firstkey-native-log-'));
const logger = createLogger({ dir: logDir, level: 'debug' });

/** For a test file: the server (and the log main writes), started once and closed after. */
export function useNativeServer(): void {
  beforeAll(async () => {
    anchors = mkdtempSync(join(tmpdir(), 'firstkey-native-anchor-'));
    const root = join(anchors, 'soft-key-root.pem');
    writeFileSync(root, new SoftSecurityKey().attestationRoot());
    server = await startDemoServer({ attestationAnchorFiles: [root] }, clock);
  });
  afterAll(async () => {
    await server.close();
    logger.close();
    rmSync(anchors, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  });
}

let people = 0;
export async function newPerson(kind: 'contractor' | 'admin' | 'engineer' = 'contractor'): Promise<{ username: string; code: string }> {
  people += 1;
  const username = `native.${kind}.${people}`;
  await server.services.accounts.createUser(
    {
      username,
      displayName: `Native ${people}`,
      role: kind === 'admin' ? 'admin' : 'engineer',
      ...(kind === 'contractor' ? { employmentType: 'contractor' as const } : {}),
    },
    'test',
  );
  return { username, code: (await server.services.accounts.issueCode(username, 'test-helpdesk')).code };
}

/** The app on one computer, as index.ts composes it: the controller with main's native ceremony on this bus. */
export function computer(bus: HidBus, platform: NodeJS.Platform = 'linux') {
  const store = new MemorySecretStore();
  const api = createApiClient({ baseUrl: server.url, signProof: deviceProofSigner(store, clock), logger });
  const ceremonies = new NativeCeremonies({ driver: ctap2Driver(bus), origin: DEMO_ENROLMENT_ORIGIN, logger, pollMs: 20 });
  const capabilities = computerCapabilities({ platform, touchId: null, nativeKeys: true, kiosk: false });
  const controller = new EnrolmentController(api, DEVICE, { nativeKeys: { platform, capabilities, ceremonies } });
  return windowOf({ controller, api, tokens: [], ceremonies: [], store });
}

/**
 * Runs nativeRegister as the page does: follows main's states (a pending call each) and answers
 * each with `act`, until the registration settles. Returns every state seen and the answer.
 */
export async function enrolWithKey(
  app: AppWindow,
  act: (status: NativeKeyStatus) => Promise<void> | void = () => undefined,
): Promise<{ result: IpcResult<IpcResults['nativeRegister']>; states: NativeKeyStatus[] }> {
  let seq = (await app.value('nativeKeyStatus', { after: -1 })).seq;
  const states: NativeKeyStatus[] = [];
  const registered = app.call('nativeRegister', { factor: 'security-key' });
  const settled = registered.then(() => null);
  for (;;) {
    const next = await Promise.race([app.value('nativeKeyStatus', { after: seq }), settled]);
    if (!next) break;
    seq = next.seq;
    states.push(next);
    await act(next);
  }
  const last = await app.value('nativeKeyStatus', { after: -1 });
  if (last.seq !== seq) states.push(last);
  return { result: await registered, states };
}

export async function startEnrolment(app: AppWindow, kind: 'contractor' | 'admin' | 'engineer' = 'contractor') {
  const person = await newPerson(kind);
  await app.value('startSession', { code: person.code });
  const options = await app.value('registrationOptions', { factor: 'security-key' });
  return { ...person, options };
}

export async function credentialsOf(username: string) {
  const user = await server.services.accounts.findUser(username);
  return server.db.selectFrom('credentials').selectAll().where('user_id', '=', user.id).execute();
}

export function plugged(bus: SoftHidBus, options: SoftSecurityKeyOptions): SoftSecurityKey {
  const key = new SoftSecurityKey(options);
  bus.plug(key);
  return key;
}

export const names = (states: NativeKeyStatus[]) => states.map((s) => s.state);
