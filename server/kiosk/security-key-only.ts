import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import type { RegistrationResponseJSON } from '../../api/webauthn.js';
import type { VerifiedRegistration } from '../webauthn/registration.js';

/** Transports that mean the credential lives in (or is reached through) a computer or phone, not a key in hand. */
const NOT_A_KEY_IN_HAND = new Set(['internal', 'hybrid']);

/**
 * Attestation formats that only platform authenticators produce: TPM (Windows Hello), Apple
 * (iCloud Keychain / Secure Enclave), Android key attestation and SafetyNet. A roaming key sends
 * packed or fido-u2f; 'none' says nothing either way.
 */
const PLATFORM_ONLY_FORMATS = new Set(['tpm', 'apple', 'android-key', 'android-safetynet']);

/** Why this attestation format means a platform authenticator, or null if it does not say so. */
export function platformAttestation(format: string): string | null {
  return PLATFORM_ONLY_FORMATS.has(format) ? `${format}_attestation` : null;
}

/**
 * Why the attestation a response claims, before anything is verified, means a platform
 * authenticator; null if it does not, or if the object cannot be read (verification refuses that).
 * Checked first so that a platform statement is refused as one even when it would not verify here.
 */
export function claimsPlatformAttestation(response: RegistrationResponseJSON): string | null {
  try {
    const fmt: unknown = decodeAttestationObject(new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url'))).get('fmt');
    return typeof fmt === 'string' ? platformAttestation(fmt) : null;
  } catch {
    return null;
  }
}

/** The first transport that says the credential is not a key in hand, if any. */
export function reachedThroughADevice(transports: readonly string[]): string | undefined {
  return transports.find((t) => NOT_A_KEY_IN_HAND.has(t));
}

/**
 * Why a credential registered as a security key (at a kiosk, or anywhere) is not one, or null if it
 * is. A passkey on a shared station would let the next person sign in as this one, and a synced one lives
 * in someone's cloud account: every signal the response carries counts, whatever the app claimed.
 * The flags come from the signed authenticator data; attachment and transports are the client's
 * word, which a bypassed app could drop, so they can only refuse, never admit on their own.
 */
export function notASecurityKey(response: RegistrationResponseJSON, verified: VerifiedRegistration): string | null {
  if (response.authenticatorAttachment === 'platform') return 'platform_attachment';
  const transports = [...(response.response.transports ?? []), ...verified.transports];
  const inside = reachedThroughADevice(transports);
  if (inside) return `${inside}_transport`;
  if (verified.backupEligible) return 'backup_eligible';
  if (verified.backedUp) return 'backed_up';
  return platformAttestation(verified.attestationFormat);
}
