import type { RegistrationResponseJSON } from '../../api/webauthn.js';
import type { VerifiedRegistration } from '../webauthn/registration.js';

/** Transports that mean the credential lives in (or is reached through) a computer or phone, not a key in hand. */
const NOT_A_KEY_IN_HAND = new Set(['internal', 'hybrid']);

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
  return null;
}
