import { describe, expect, it } from 'vitest';
import { readRecentLogLines } from '../../electron/main/log/logger.js';
import { SoftHidBus } from '../support/ctap2/index.js';
import {
  computer,
  credentialsOf,
  enrolWithKey,
  logDir,
  names,
  plugged,
  startEnrolment,
  useNativeServer,
  ZERO_AAGUID,
} from './support/native-ceremony.js';

// Main's native ceremony and the key's PIN: enrolling with it on macOS and Linux, tries left, setting one, and never logging it.
/**
 * Issue 11, "the whole native path end to end through main's handlers into the real server": the
 * window's calls through main's IPC gate and real controller, main's ceremony and CTAP2 client
 * (electron/main/ctap2), C2's software security key speaking CTAPHID on a software USB bus, and the
 * real verification server checking what main made. Nothing of ours is stood in for.
 */
useNativeServer();

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
