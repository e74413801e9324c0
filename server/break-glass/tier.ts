import { Tier } from '../policy/schema.js';

/** The name audit lines and the movers' overview give the built-in tier. */
export const BREAK_GLASS_TIER_NAME = 'break-glass';

/** Days between test sign-ins with each break-glass key when the policy names none. */
export const DEFAULT_TEST_INTERVAL_DAYS = 90;

/**
 * The built-in tier of every break-glass account, out of the policy file's reach: a rule there
 * could otherwise let an emergency account enrol a synced passkey. Hardware security keys only,
 * user verification, direct attestation that chains to a trusted root.
 */
export const BREAK_GLASS_TIER: Tier = Tier.parse({
  description: 'Break-glass: at least two trusted hardware security keys, enrolled under supervision; no recovery',
  factors: ['security-key'],
  syncedPasskeys: 'refuse',
  userVerification: 'required',
  attestation: 'direct',
  requireTrustedAttestation: true,
  // Revoke never applies (no recovery); stated so the tier reads whole.
  onRecovery: 'revoke',
});

/** Break-glass accounts complete their enrolment with at least this many keys. */
export const MIN_BREAK_GLASS_KEYS = 2;
