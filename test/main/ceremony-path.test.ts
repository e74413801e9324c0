import { describe, expect, it } from 'vitest';
import { computerCapabilities } from '../../electron/main/native-webauthn/capabilities.js';
import { chooseCeremonyPath } from '../../electron/main/native-webauthn/path.js';
import { configurePlatformAuthenticators } from '../../electron/main/platform-authenticators.js';

/**
 * Issue 11, "A native CTAP2 path for security keys ... used where Electron's WebAuthn cannot do what
 * the session needs (macOS and Linux when user verification is required or the key has a PIN;
 * Windows keeps the OS path)", and "the app detects at start what the computer can do". The README's
 * table of what each OS offers is this table.
 */
describe('which path a ceremony takes (issue 11: native CTAP2 path where Electron cannot ask for a PIN)', () => {
  const rows = [
    // platform, factor, userVerification, keyHasPin, path
    ['win32', 'passkey', 'required', undefined, 'os'],
    ['win32', 'security-key', 'required', undefined, 'os'],
    ['win32', 'security-key', 'preferred', true, 'os'],
    ['win32', 'security-key', 'discouraged', undefined, 'os'],
    ['darwin', 'passkey', 'required', undefined, 'os'],
    ['darwin', 'security-key', 'required', undefined, 'native'],
    ['darwin', 'security-key', 'preferred', undefined, 'os'],
    ['darwin', 'security-key', 'preferred', true, 'native'],
    ['darwin', 'security-key', undefined, false, 'os'],
    ['linux', 'passkey', 'required', undefined, 'os'],
    ['linux', 'security-key', 'required', undefined, 'native'],
    ['linux', 'security-key', 'required', false, 'native'],
    ['linux', 'security-key', 'preferred', undefined, 'os'],
    ['linux', 'security-key', 'discouraged', true, 'native'],
  ] as const;

  it.each(rows)('%s, %s, user verification %s, key with PIN %s: %s', (platform, factor, userVerification, keyHasPin, path) => {
    expect(chooseCeremonyPath({ platform, factor, userVerification, ...(keyHasPin === undefined ? {} : { keyHasPin }) })).toBe(path);
  });
});

describe('what this computer can do, told to the page at start (issue 11: offers only what will work)', () => {
  it('Windows: a passkey through Windows Hello, a security key PIN in the OS dialog', () => {
    expect(computerCapabilities({ platform: 'win32', touchId: null, nativeKeys: true, kiosk: false })).toEqual({
      platform: 'windows',
      passkey: { offered: true, reason: 'windows_hello' },
      securityKeyPin: 'os',
    });
  });

  it('macOS: a passkey only once Touch ID is configured; the PIN on FirstKey screens', () => {
    expect(computerCapabilities({ platform: 'darwin', touchId: 'configured', nativeKeys: true, kiosk: false })).toEqual({
      platform: 'macos',
      passkey: { offered: true, reason: 'touch_id' },
      securityKeyPin: 'firstkey',
    });
    expect(computerCapabilities({ platform: 'darwin', touchId: 'unconfigured', nativeKeys: true, kiosk: false }).passkey).toEqual({
      offered: false,
      reason: 'touch_id_unconfigured',
    });
  });

  it('Linux: no passkey (no platform authenticator), the PIN on FirstKey screens', () => {
    expect(computerCapabilities({ platform: 'linux', touchId: null, nativeKeys: true, kiosk: false })).toEqual({
      platform: 'linux',
      passkey: { offered: false, reason: 'no_platform_authenticator' },
      securityKeyPin: 'firstkey',
    });
  });

  it('without the HID binding the OS is asked (and cannot ask for a PIN there); a station never makes a passkey', () => {
    expect(computerCapabilities({ platform: 'linux', touchId: null, nativeKeys: false, kiosk: false }).securityKeyPin).toBe('os');
    expect(computerCapabilities({ platform: 'win32', touchId: null, nativeKeys: true, kiosk: true }).passkey).toEqual({
      offered: false,
      reason: 'kiosk',
    });
  });
});

describe('platform passkeys on a Mac (issue 11: configure Touch ID with the current Electron API)', () => {
  /** Records what our code asks of Electron's app and session (Electron is not ours and has no binary here). */
  function electronStandIn(withApi = true) {
    const configured: unknown[] = [];
    const listeners = new Map<string, (...args: never[]) => void>();
    const app = withApi ? { configureWebAuthn: (options: unknown) => void configured.push(options) } : {};
    const session = {
      on: (event: string, listener: (...args: never[]) => void) => {
        listeners.set(event, listener);
      },
    };
    return { app, session, configured, listeners };
  }

  it('turns on Touch ID (device-bound) and leaves synced platform passkeys off; the account chooser picks the only account', () => {
    const { app, session, configured, listeners } = electronStandIn();
    const outcome = configurePlatformAuthenticators({
      platform: 'darwin',
      app,
      session,
      keychainAccessGroup: 'TEAMID1234.com.firstkey.enrol.webauthn',
      kiosk: false,
    });
    expect(outcome).toBe('configured');
    expect(configured).toEqual([{ touchID: { keychainAccessGroup: 'TEAMID1234.com.firstkey.enrol.webauthn' }, platformPasskeys: false }]);
    const choose = listeners.get('select-webauthn-account') as (
      event: unknown,
      details: unknown,
      callback: (id?: string | null) => void,
    ) => void;
    const chosen: (string | null | undefined)[] = [];
    choose({}, { relyingPartyId: 'enrol.firstkey.test', accounts: [{ credentialId: 'abc' }] }, (id) => chosen.push(id));
    choose({}, { relyingPartyId: 'enrol.firstkey.test', accounts: [{ credentialId: 'a' }, { credentialId: 'b' }] }, (id) =>
      chosen.push(id),
    );
    expect(chosen).toEqual(['abc', null]);
  });

  it('says why not: another OS, an Electron without the API, a build without its keychain group, a station', () => {
    const base = { keychainAccessGroup: 'TEAMID1234.com.firstkey.enrol.webauthn', kiosk: false };
    const linux = electronStandIn();
    expect(configurePlatformAuthenticators({ ...base, platform: 'linux', app: linux.app, session: linux.session })).toBeNull();
    expect(linux.configured).toEqual([]);
    const old = electronStandIn(false);
    expect(configurePlatformAuthenticators({ ...base, platform: 'darwin', app: old.app, session: old.session })).toBe('unconfigured');
    const unsigned = electronStandIn();
    expect(
      configurePlatformAuthenticators({
        ...base,
        keychainAccessGroup: null,
        platform: 'darwin',
        app: unsigned.app,
        session: unsigned.session,
      }),
    ).toBe('unconfigured');
    const station = electronStandIn();
    expect(configurePlatformAuthenticators({ ...base, kiosk: true, platform: 'darwin', app: station.app, session: station.session })).toBe(
      'unconfigured',
    );
    expect([...unsigned.configured, ...station.configured]).toEqual([]);
  });
});
