import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { NativeKeyStatus } from '../../api/native-key.js';
import { clientData, rpIdFor } from '../../electron/main/native-webauthn/client-data.js';
import { NativeCeremonies } from '../../electron/main/native-webauthn/ceremony.js';
import { HidAccessError } from '../../electron/main/ctap2/index.js';
import type { HidBus } from '../../electron/main/ctap2/transport.js';
import { ctap2Driver } from '../../electron/main/native-webauthn/ctap2-driver.js';
import { SOFT_KEY_AAGUID, SoftHidBus, SoftSecurityKey } from '../support/ctap2/index.js';
import { type AppWindow } from './support/window.js';
import { computer, credentialsOf, enrolWithKey, names, plugged, startEnrolment, useNativeServer } from './support/native-ceremony.js';

// Main's native ceremony and the keys: inserting and choosing one, cancel and a pulled key, sign-in, real attestation, clientDataJSON.
/**
 * Issue 11, "the whole native path end to end through main's handlers into the real server": the
 * window's calls through main's IPC gate and real controller, main's ceremony and CTAP2 client
 * (electron/main/ctap2), C2's software security key speaking CTAPHID on a software USB bus, and the
 * real verification server checking what main made. Nothing of ours is stood in for.
 */
useNativeServer();

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
    const pin = async (status: NativeKeyStatus) => {
      if (status.state === 'pin') await app.value('nativeKeySubmitPin', { pin: '4826' });
    };
    expect((await enrolWithKey(app, pin)).result.ok).toBe(true);
    // The same key offered again for a second factor: the server lists it, and the key itself says so.
    const options = await app.value('registrationOptions', { factor: 'security-key' });
    expect(options.excludeCredentials).toHaveLength(1);
    const again = await enrolWithKey(app, pin);
    expect(again.result).toMatchObject({ ok: false, error: { code: 'key_already_registered' } });
    await app.value('completeSession');
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
