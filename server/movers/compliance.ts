import type { CredentialRow } from '../db/schema.js';
import { judgeRegistration, type PolicyRefusal } from '../policy/evaluate.js';
import type { PolicyFile, Tier } from '../policy/schema.js';

/** What an existing factor lacks under a tier: a registration refusal, or a kind of factor the tier does not take. */
export type ComplianceGap = Exclude<PolicyRefusal, 'authenticator_compromised'> | 'factor_not_allowed';

/** Grace when the tier names none (policy `moverGraceDays`). */
export const DEFAULT_MOVER_GRACE_DAYS = 14;

export function graceDaysOf(tier: Tier): number {
  return tier.moverGraceDays ?? DEFAULT_MOVER_GRACE_DAYS;
}

/**
 * Judges a factor already registered against a tier, as registration would have judged it (policy/evaluate.ts).
 * The attestation statement is not kept after registration, so trust is what was proved then: a factor counts as
 * trusted only if the tier it was registered under demanded trusted attestation (and so checked it). Anything
 * else is untrusted, never assumed: a mover into a tier that demands trust adds a key that proves it.
 */
export function factorGap(
  policy: PolicyFile,
  tier: Tier,
  factor: Pick<CredentialRow, 'factor' | 'aaguid' | 'backup_eligible' | 'policy_tier'>,
): ComplianceGap | null {
  if (!tier.factors.includes(factor.factor)) return 'factor_not_allowed';
  const registeredUnder = factor.policy_tier ? policy.tiers[factor.policy_tier] : undefined;
  const trusted = registeredUnder?.requireTrustedAttestation === true;
  const refusal = judgeRegistration(
    tier,
    { aaguid: factor.aaguid, backupEligible: factor.backup_eligible === 1 },
    // A compromised model is the attestation service's finding at registration; nothing here can re-learn it.
    { trusted, compromised: false, authenticatorName: null },
  );
  return refusal === 'authenticator_compromised' ? null : refusal;
}
