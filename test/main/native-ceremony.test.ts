import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { NativeKeyStatus } from '../../api/native-key.js';
import type { IpcResult, IpcResults } from '../../api/ipc.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { createLogger, readRecentLogLines } from '../../electron/main/log/logger.js';
import { computerCapabilities } from '../../electron/main/native-webauthn/capabilities.js';
import { clientData, rpIdFor } from '../../electron/main/native-webauthn/client-data.js';
import { NativeCeremonies } from '../../electron/main/native-webauthn/ceremony.js';
import { HidAccessError } from '../../electron/main/ctap2/index.js';
import type { HidBus } from '../../electron/main/ctap2/transport.js';
import { ctap2Driver } from '../../electron/main/native-webauthn/ctap2-driver.js';
import type { RunningServer } from '../../server/start.js';
import { SOFT_KEY_AAGUID, SoftHidBus, SoftSecurityKey, type SoftSecurityKeyOptions } from '../support/ctap2/index.js';
import { TestClock } from '../support/test-clock.js';
import { DEVICE, deviceProofSigner, MemorySecretStore } from './support/device.js';
import { startDemoServer } from './support/server.js';
import { windowOf, type AppWindow } from './support/window.js';

/**
 * Issue 11, "the whole native path end to end through main's handlers into the real server": the
 * window's calls through main's IPC gate and real controller, main's ceremony and CTAP2 client
 * (electron/main/ctap2), C2's software security key speaking CTAPHID on a software USB bus, and the
 * real verification server checking what main made. Nothing of ours is stood in for.
 */
const clock = new TestClock('running');
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
let server: RunningServer;
let anchors: string;
const logDir = mkdtempSync(join(tmpdir(), 'firstkey-native-log-'));
const logger = createLogger({ dir: logDir, level: 'debug' });

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

let people = 0;
async function newPerson(kind: 'contractor' | 'admin' | 'engineer' = 'contractor'): Promise<{ username: string; code: string }> {
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
function computer(bus: HidBus, platform: NodeJS.Platform = 'linux') {
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
async function enrolWithKey(
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

async function startEnrolment(app: AppWindow, kind: 'contractor' | 'admin' | 'engineer' = 'contractor') {
  const person = await newPerson(kind);
  await app.value('startSession', { code: person.code });
  const options = await app.value('registrationOptions', { factor: 'security-key' });
  return { ...person, options };
}

async function credentialsOf(username: string) {
  const user = await server.services.accounts.findUser(username);
  return server.db.selectFrom('credentials').selectAll().where('user_id', '=', user.id).execute();
}

function plugged(bus: SoftHidBus, options: SoftSecurityKeyOptions): SoftSecurityKey {
  const key = new SoftSecurityKey(options);
  bus.plug(key);
  return key;
}

const names = (states: NativeKeyStatus[]) => states.map((s) => s.state);

describe('issue 11: a contractor with a PIN-protected key enrols on macOS and Linux through FirstKey', () => {
  it.each(['linux', 'darwin'] as const)(
    '%s: main takes the ceremony, asks for the PIN, and the server verifies the key',
    async (platform) => {
      const bus = new SoftHidBus();
      const key = plugged(bus, { pin: '4826' });
      const app = computer(bus, platform);
      expect(await app.value('computerCapabilities')).toMatchObject({ securityKeyPin: 'firstkey' });
      const { username, options } = await startEnrolment(app);
      expect(options.authenticatorSelection?.userVerification).toBe('required');
      expect(await app.value('ceremonyPath', { ceremony: 'registration' })).toBe('native');

      const { result, states } = await enrolWithKey(app, async (status) => {
        if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
      });
      expect(result.ok).toBe(true);
      expect(names(states)).toEqual(expect.arrayContaining(['pin', 'touch', 'done']));
      expect(states.find((s) => s.state === 'pin')).toMatchObject({ retries: 8, attemptsBeforeReplug: 3, wrong: false });
      const [credential] = await credentialsOf(username);
      // The key holds it, user verified, and the tier's 'none' conveyance reached the server as a browser's does.
      expect(key.credentials().map((c) => Buffer.from(c.id).toString('base64url'))).toEqual([credential?.id]);
      expect(credential).toMatchObject({ factor: 'security-key', aaguid: ZERO_AAGUID });
      const done = await app.value('completeSession');
      expect(done.credentials).toEqual([expect.objectContaining({ factor: 'security-key', status: 'active' })]);
    },
  );

  it('a standard user (verification preferred) with a PIN on the key plugged in: main asks the key, and takes the ceremony', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const app = computer(bus);
    const { username, options } = await startEnrolment(app, 'engineer');
    expect(options.authenticatorSelection?.userVerification).toBe('preferred');
    expect(await app.value('ceremonyPath', { ceremony: 'registration' })).toBe('native');
    const { result } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    });
    expect(result.ok).toBe(true);
    expect(key.credentials()).toHaveLength(1);
    expect(await credentialsOf(username)).toHaveLength(1);
  });

  it('a standard user with a key without a PIN, or no key plugged in yet, keeps the OS path (phones and NFC work there)', async () => {
    const bus = new SoftHidBus();
    const app = computer(bus);
    await startEnrolment(app, 'engineer');
    expect(await app.value('ceremonyPath', { ceremony: 'registration' })).toBe('os');
    plugged(bus, {});
    expect(await app.value('ceremonyPath', { ceremony: 'registration' })).toBe('os');
  });

  it('Windows keeps the OS path (webauthn.dll asks for the PIN itself)', async () => {
    const app = computer(new SoftHidBus(), 'win32');
    await startEnrolment(app);
    expect(await app.value('ceremonyPath', { ceremony: 'registration' })).toBe('os');
    expect(await app.value('computerCapabilities')).toMatchObject({ securityKeyPin: 'os', passkey: { offered: true } });
  });
});

describe('issue 11: a PIN field with retries left and what happens at zero', () => {
  it('a PIN no key accepts (under 4 characters) is not sent: the key loses no try and the count before unplugging stays', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const app = computer(bus);
    await startEnrolment(app);
    const typed = ['12', '4826'];
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: typed.shift() ?? '' });
    });
    expect(result.ok).toBe(true);
    expect(states.filter((s) => s.state === 'pin')).toEqual([
      expect.objectContaining({ retries: 8, attemptsBeforeReplug: 3, wrong: false }),
      expect.objectContaining({ retries: 8, attemptsBeforeReplug: 3, wrong: true }),
    ]);
    expect(key.pinRetriesLeft()).toBe(8);
  });

  it('a key that must have its PIN changed first says so, and is never told the right PIN is wrong', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { pin: '4826', forcePinChange: true });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'key_pin_change_required' } });
    expect(states.filter((s) => s.state === 'pin')).toEqual([]);
    expect(await credentialsOf(username)).toEqual([]);
  });

  it('wrong PIN twice, then right: each try shows the tries left and the tries before unplugging', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const typed = ['1111', '2222', '4826'];
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: typed.shift() ?? '' });
    });
    expect(result.ok).toBe(true);
    expect(states.filter((s) => s.state === 'pin')).toEqual([
      expect.objectContaining({ retries: 8, attemptsBeforeReplug: 3, wrong: false }),
      expect.objectContaining({ retries: 7, attemptsBeforeReplug: 2, wrong: true }),
      expect.objectContaining({ retries: 6, attemptsBeforeReplug: 1, wrong: true }),
    ]);
    // A right PIN gives the key its tries back.
    expect(key.pinRetriesLeft()).toBe(8);
    expect(await credentialsOf(username)).toHaveLength(1);
  });

  it('three wrong in a row: the key wants unplugging (pin_auth_blocked); once it is back, the PIN is asked again', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const typed = ['0000', '1111', '2222', '4826'];
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: typed.shift() ?? '' });
      if (status.state === 'pin_auth_blocked') {
        // Nothing is registered while it waits, and no PIN is taken.
        expect(await credentialsOf(username)).toEqual([]);
        key.replug();
      }
    });
    expect(result.ok).toBe(true);
    expect(names(states).filter((state) => state === 'pin' || state === 'pin_auth_blocked')).toEqual([
      'pin',
      'pin',
      'pin',
      'pin_auth_blocked',
      'pin',
    ]);
    expect(states.filter((s) => s.state === 'pin').at(-1)).toMatchObject({ retries: 5, attemptsBeforeReplug: 3, wrong: false });
    expect(await credentialsOf(username)).toHaveLength(1);
  });

  it('the last try wrong: the PIN is blocked for good, and a blocked key is told at once', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826', retries: 1 });
    const app = computer(bus);
    await startEnrolment(app);
    const first = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') {
        expect(status).toMatchObject({ retries: 1, attemptsBeforeReplug: 1 });
        await app.value('nativeKeySubmitPin', { pin: '0000' });
      }
    });
    expect(first.result).toMatchObject({ ok: false, error: { code: 'key_pin_blocked' } });
    expect(key.pinRetriesLeft()).toBe(0);

    await app.value('registrationOptions', { factor: 'security-key' });
    const again = await enrolWithKey(app);
    expect(again.result).toMatchObject({ ok: false, error: { code: 'key_pin_blocked' } });
    expect(names(again.states)).not.toContain('pin');
    expect(again.states.at(-1)?.state).toBe('pin_blocked');
  });
});

describe('issue 11: Set a PIN for this key, with the key minimum length', () => {
  it('a key without a PIN gets one when the tier requires verification; a PIN shorter than the key allows is refused first', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { minPinLength: 6 });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const typed = ['12345', 'hütte7'];
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'set_pin') await app.value('nativeKeySetPin', { pin: typed.shift() ?? '' });
    });
    expect(result.ok).toBe(true);
    expect(states.filter((s) => s.state === 'set_pin')).toEqual([
      expect.objectContaining({ minLength: 6, problem: null }),
      expect.objectContaining({ minLength: 6, problem: 'too_short' }),
    ]);
    expect(key.hasPin()).toBe(true);
    expect(await credentialsOf(username)).toHaveLength(1);
  });

  it('a key that can neither hold a PIN nor check the person itself is refused for the tier (no_user_verification)', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { uv: 'none' });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const { result } = await enrolWithKey(app);
    expect(result).toMatchObject({ ok: false, error: { code: 'key_no_user_verification' } });
    expect(await credentialsOf(username)).toEqual([]);
  });
});

describe('issue 11: Insert your key, choose among several by a touch, Touch your key', () => {
  it('no key yet: "insert", then the key that arrives is used', async () => {
    const bus = new SoftHidBus();
    const app = computer(bus);
    await startEnrolment(app);
    const key = new SoftSecurityKey({ pin: '4826' });
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'insert_key') bus.plug(key);
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    });
    expect(result.ok).toBe(true);
    expect(names(states)[0]).toBe('insert_key');
    expect(key.credentials()).toHaveLength(1);
  });

  it('two keys: the one touched is used, the other holds nothing', async () => {
    const bus = new SoftHidBus();
    const left = plugged(bus, { pin: '4826', touch: 'manual' });
    const right = plugged(bus, { pin: '4826', touch: 'manual' });
    const app = computer(bus);
    await startEnrolment(app);
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'choose_key') {
        await right.untilTouchNeeded();
        right.touch();
      }
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
      if (status.state === 'touch') {
        await right.untilTouchNeeded();
        right.touch();
      }
    });
    expect(result.ok).toBe(true);
    expect(states.find((s) => s.state === 'choose_key')).toMatchObject({ count: 2 });
    expect(right.credentials()).toHaveLength(1);
    expect(left.credentials()).toEqual([]);
  });

  it('a key already registered says so after its touch (excludeList from the server)', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { pin: '4826' });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    // A second session only while the person has no factor yet: once enrolled, nobody is issued a code, and
    // a completion spends any spare one; a session opened before it lives on until its lifetime ends.
    const spare = await server.services.accounts.issueCode(username, 'test-helpdesk');
    const other = computer(bus);
    await other.value('startSession', { code: spare.code });
    const pin = (of: typeof app) => async (status: NativeKeyStatus) => {
      if (status.state === 'pin') await of.value('nativeKeySubmitPin', { pin: '4826' });
    };
    expect((await enrolWithKey(app, pin(app))).result.ok).toBe(true);
    await app.value('completeSession');
    const options = await other.value('registrationOptions', { factor: 'security-key' });
    expect(options.excludeCredentials).toHaveLength(1);
    const again = await enrolWithKey(other, pin(other));
    expect(again.result).toMatchObject({ ok: false, error: { code: 'key_already_registered' } });
    expect(await credentialsOf(username)).toHaveLength(1);
  });
});

describe('issue 11: cancel that really cancels, and a key pulled mid-ceremony', () => {
  it('Cancel while the key waits for a touch: CTAPHID_CANCEL reaches the key and nothing is registered', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826', touch: 'manual' });
    const app = computer(bus);
    const { username } = await startEnrolment(app);
    const { result, states } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
      if (status.state === 'touch') {
        await key.untilTouchNeeded();
        await app.value('nativeKeyCancel');
      }
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'key_cancelled' } });
    expect(states.at(-1)).toMatchObject({ state: 'failed', reason: 'cancelled' });
    const CTAPHID_CANCEL = 0x80 | 0x11;
    expect(key.frames().some((frame) => frame.from === 'host' && frame.report[4] === CTAPHID_CANCEL)).toBe(true);
    expect(key.waitingForTouch()).toBe(false);
    expect(key.credentials()).toEqual([]);
    expect(await credentialsOf(username)).toEqual([]);
  });

  it('a key the system will not open (Linux without the udev rule): key_not_accessible, and nothing is registered', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { pin: '4826' });
    // What node-hid meets when the hidraw node is not the user's: the OS, which we do not own, refuses.
    const refusing: HidBus = { list: () => bus.list(), open: (path) => Promise.reject(new HidAccessError(path)) };
    const app = computer(refusing);
    const { username } = await startEnrolment(app);
    const { result, states } = await enrolWithKey(app);
    expect(result).toMatchObject({ ok: false, error: { code: 'key_not_accessible' } });
    expect(states.at(-1)).toMatchObject({ state: 'failed', reason: 'key_not_accessible' });
    expect(await credentialsOf(username)).toEqual([]);
  });

  it('the key pulled while it waits for a touch: key_removed, and the next try with the key back in works', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826', touch: 'manual' });
    const app = computer(bus);
    await startEnrolment(app);
    const pulled = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
      if (status.state === 'touch') {
        await key.untilTouchNeeded();
        bus.unplug(key);
      }
    });
    expect(pulled.result).toMatchObject({ ok: false, error: { code: 'key_removed' } });
    expect(pulled.states.at(-1)).toMatchObject({ state: 'failed', reason: 'key_removed' });

    bus.plug(key);
    await app.value('registrationOptions', { factor: 'security-key' });
    const again = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
      if (status.state === 'touch') {
        await key.untilTouchNeeded();
        key.touch();
      }
    });
    expect(again.result.ok).toBe(true);
  });

  it('a native ceremony needs the options main fetched, once: a second start without new options is refused', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { pin: '4826' });
    const app = computer(bus);
    await startEnrolment(app);
    const first = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    });
    expect(first.result.ok).toBe(true);
    expect(await app.call('nativeRegister', { factor: 'security-key' })).toMatchObject({ ok: false, error: { code: 'challenge_missing' } });
  });
});

describe('issue 11: authenticatorGetAssertion for replace, rebind and manage', () => {
  /** Runs nativeAuthenticate as the page does, following main's states. */
  async function assertWithKey(app: AppWindow, act: (status: NativeKeyStatus) => Promise<void> | void) {
    let seq = (await app.value('nativeKeyStatus', { after: -1 })).seq;
    const asserted = app.call('nativeAuthenticate');
    const settled = asserted.then(() => null);
    for (;;) {
      const next = await Promise.race([app.value('nativeKeyStatus', { after: seq }), settled]);
      if (!next) break;
      seq = next.seq;
      await act(next);
    }
    return asserted;
  }

  it('a contractor signs in with the PIN-protected key on a new Linux computer; another key is told it is not theirs', async () => {
    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const laptop = computer(bus);
    const { username } = await startEnrolment(laptop);
    const pin = (app: AppWindow) => async (status: NativeKeyStatus) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    };
    expect((await enrolWithKey(laptop, pin(laptop))).result.ok).toBe(true);
    await laptop.value('completeSession');

    // A new computer, same key: sign in for a replace session.
    const newBus = new SoftHidBus();
    const stranger = plugged(newBus, { pin: '4826' });
    const newLaptop = computer(newBus);
    const options = await newLaptop.value('authenticationOptions', { username, purpose: 'replace' });
    expect(options.userVerification).toBe('required');
    expect(await newLaptop.value('ceremonyPath', { ceremony: 'authentication' })).toBe('native');
    expect(await assertWithKey(newLaptop, pin(newLaptop))).toMatchObject({ ok: false, error: { code: 'key_not_registered' } });

    newBus.unplug(stranger);
    newBus.plug(key);
    await newLaptop.value('authenticationOptions', { username, purpose: 'replace' });
    const asserted = await assertWithKey(newLaptop, pin(newLaptop));
    if (!asserted.ok) throw new Error(`refused: ${asserted.error.code}`);
    const session = await newLaptop.value('authenticate', { response: asserted.value });
    expect(session).toMatchObject({ purpose: 'replace', user: { username } });
  });
});

describe("issue 11: where policy requires attestation, the key's real attestation goes through unchanged", () => {
  it('privileged tier (direct, trusted): packed attestation from the key test CA, verified and trusted by the server', async () => {
    const bus = new SoftHidBus();
    plugged(bus, { pin: '4826' });
    const app = computer(bus);
    const { username, options } = await startEnrolment(app, 'admin');
    expect(options.attestation).toBe('direct');
    const { result } = await enrolWithKey(app, async (status) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    });
    expect(result.ok).toBe(true);
    expect(await credentialsOf(username)).toEqual([expect.objectContaining({ aaguid: SOFT_KEY_AAGUID })]);
  });
});

describe('issue 11: the PIN never leaves main except as the protocol requires, never logged', () => {
  it('no log line, and no answer to the page, holds the PIN typed or chosen', async () => {
    const chosen = 'Zq8#vR2!kLm5';
    const typedWrong = 'Wx7$uP3@nBc4';
    const bus = new SoftHidBus();
    plugged(bus, {});
    const app = computer(bus);
    await startEnrolment(app);
    const { result } = await enrolWithKey(app, async (status) => {
      if (status.state === 'set_pin') await app.value('nativeKeySetPin', { pin: chosen });
    });
    expect(result.ok).toBe(true);
    await app.value('completeSession');

    const second = new SoftHidBus();
    plugged(second, { pin: chosen });
    const other = computer(second);
    await startEnrolment(other);
    const typed = [typedWrong, chosen];
    expect(
      (
        await enrolWithKey(other, async (status) => {
          if (status.state === 'pin') await other.value('nativeKeySubmitPin', { pin: typed.shift() ?? '' });
        })
      ).result.ok,
    ).toBe(true);

    const lines = await readRecentLogLines(logDir, 100_000);
    expect(lines.some((line) => line.includes('native_key.state'))).toBe(true);
    for (const secret of [chosen, typedWrong]) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
      expect(JSON.stringify([...app.answers, ...other.answers])).not.toContain(secret);
    }
  });
});

describe('issue 11: main builds clientDataJSON for the enrolment origin and the session challenge', () => {
  it('type, challenge, origin, crossOrigin false, in the order browsers write them; the key signs its SHA-256', () => {
    const data = clientData('webauthn.create', 'Y2hhbGxlbmdl', DEMO_ENROLMENT_ORIGIN);
    expect(data.json.toString('utf8')).toBe(
      `{"type":"webauthn.create","challenge":"Y2hhbGxlbmdl","origin":"${DEMO_ENROLMENT_ORIGIN}","crossOrigin":false}`,
    );
    expect(data.hash).toEqual(createHash('sha256').update(data.json).digest());
  });

  it('the RP ID must be the origin host or a parent domain of it; anything else stops before the key is asked', async () => {
    expect(rpIdFor(undefined, 'https://enrol.corp.example')).toBe('enrol.corp.example');
    expect(rpIdFor('corp.example', 'https://enrol.corp.example')).toBe('corp.example');
    expect(rpIdFor('rp.example', 'https://enrol.corp.example')).toBeNull();
    expect(rpIdFor('orp.example', 'https://enrol.corp.example')).toBeNull();
    expect(rpIdFor('example', 'https://enrol.corp.example')).toBeNull();

    const bus = new SoftHidBus();
    const key = plugged(bus, { pin: '4826' });
    const ceremonies = new NativeCeremonies({ driver: ctap2Driver(bus), origin: 'https://enrol.corp.example' });
    const options = {
      rp: { id: 'attacker.example', name: 'x' },
      user: { id: 'dXNlcg', name: 'u', displayName: 'U' },
      challenge: 'Y2hhbGxlbmdl',
      pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
    };
    await expect(ceremonies.register(options)).rejects.toMatchObject({ outcome: 'wrong_origin' });
    expect(key.frames()).toEqual([]);
  });

  it('no key arrives before the options run out: timeout, and the page was told to insert one', async () => {
    const ceremonies = new NativeCeremonies({ driver: ctap2Driver(new SoftHidBus()), origin: DEMO_ENROLMENT_ORIGIN, pollMs: 10 });
    const options = {
      rp: { name: 'FirstKey' },
      user: { id: 'dXNlcg', name: 'u', displayName: 'U' },
      challenge: 'Y2hhbGxlbmdl',
      pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
      timeout: 150,
    };
    await expect(ceremonies.register(options)).rejects.toMatchObject({ outcome: 'timeout' });
    expect(await ceremonies.status(-1)).toMatchObject({ state: 'failed', reason: 'timeout' });
  });
});
