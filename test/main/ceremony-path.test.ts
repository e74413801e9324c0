import { describe, expect, it } from 'vitest';
import { computerCapabilities } from '../../electron/main/native-webauthn/capabilities.js';
import { chooseCeremonyPath } from '../../electron/main/native-webauthn/path.js';

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
