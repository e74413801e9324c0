import { z } from 'zod';
import { FactorName } from './enrolment.js';

/**
 * FirstKey's own security-key ceremony, run by main over USB HID where Electron's WebAuthn cannot
 * ask for a PIN (electron/main/native-webauthn/). The page shows main's state and sends the PIN;
 * the PIN goes no further than main and the key.
 */

/** Why a native ceremony ended without a credential; each has its own words in the page. */
export const NativeKeyFailure = z.enum([
  'cancelled',
  'key_removed',
  'already_registered',
  'no_user_verification',
  'not_supported',
  /** The key asks for its PIN to be changed before any use (CTAP forcePINChange); its maker's tool does that. */
  'pin_change_required',
  /** The key is connected but the system would not let FirstKey open it (on Linux: no udev rule for the user). */
  'key_not_accessible',
  'timeout',
  'wrong_origin',
  /** Signing in: none of the person's registered keys is this one. */
  'not_registered',
  'key_error',
]);
export type NativeKeyFailure = z.infer<typeof NativeKeyFailure>;

/** What the person is asked to do now (or what happened), as main's ceremony says. */
export type NativeKeyState =
  | { state: 'idle' }
  | { state: 'insert_key' }
  /** Several keys are connected: the one touched first is used. */
  | { state: 'choose_key'; count: number }
  | { state: 'touch' }
  /**
   * `retries`: the key's own count before it blocks the PIN for good. `attemptsBeforeReplug`: wrong PINs
   * left before the key wants to be unplugged and plugged in again (CTAP: three in a row). `wrong`: the last one was.
   */
  | { state: 'pin'; retries: number; attemptsBeforeReplug: number; wrong: boolean }
  /** The key has no PIN and the organisation wants one: choose it (the key's minimum length in Unicode characters). */
  | { state: 'set_pin'; minLength: number; problem: 'too_short' | 'too_long' | null }
  | { state: 'pin_blocked' }
  | { state: 'pin_auth_blocked' }
  | { state: 'verifying' }
  | { state: 'done' }
  | { state: 'failed'; reason: NativeKeyFailure };

/** `seq` grows with every change, so a page that asks "after n" never misses one or sees one twice. */
export type NativeKeyStatus = NativeKeyState & { seq: number };

/** What this computer can do, as main knows it at start: the factor choice offers only what will work. */
export interface ComputerCapabilities {
  platform: 'windows' | 'macos' | 'linux' | 'other';
  passkey: {
    /** false: no passkey on this computer; `reason` says why in the person's terms. */
    offered: boolean;
    reason: 'windows_hello' | 'touch_id' | 'touch_id_unconfigured' | 'no_platform_authenticator' | 'kiosk';
  };
  /** Who asks for a security key's PIN: the OS's own dialog, or FirstKey's screens. */
  securityKeyPin: 'os' | 'firstkey';
}

/** Which of the window's held options the path is asked for: the last registration options, or the last assertion options. */
export const CeremonyPathRequest = z.strictObject({ ceremony: z.enum(['registration', 'authentication']) });
export const NativeRegisterRequest = z.strictObject({ factor: z.literal('security-key'), name: FactorName.optional() });
export const NativeKeyStatusRequest = z.strictObject({ after: z.number().int().min(-1) });
/** Long enough for any key's 63-byte PIN in any script; main checks the key's own limits. */
export const NativeKeyPinRequest = z.strictObject({ pin: z.string().min(1).max(256) });
