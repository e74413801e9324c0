import type { FactorKind, PolicyRequirement } from '../../api/enrolment.js';
import type { UserRow } from '../db/schema.js';
import type { FactorRequirements, VerifiedRegistration } from '../webauthn/registration.js';
import { ApiFailure } from '../errors.js';
import type { PolicyFile, Tier } from './schema.js';
import { BREAK_GLASS_TIER, BREAK_GLASS_TIER_NAME } from '../break-glass/tier.js';

export interface ResolvedTier {
  name: string;
  tier: Tier;
}

/**
 * The tier a person falls in, by the first rule that matches what the server
 * holds about them. Service accounts are refused before any rule: non-human
 * identities use workload identity and short-lived credentials instead.
 */
export function tierFor(policy: PolicyFile, user: UserRow): ResolvedTier {
  if (user.account_kind === 'service') {
    throw new ApiFailure('account_not_eligible', 'service accounts use workload identity, not interactive factors');
  }
  // Break-glass accounts never reach the rules: their tier is built in (server/break-glass/tier.ts).
  if (user.account_kind === 'break-glass') return { name: BREAK_GLASS_TIER_NAME, tier: BREAK_GLASS_TIER };
  for (const rule of policy.rules) {
    const m = rule.match;
    const roleOk = !m?.role || m.role.includes(user.role);
    const employmentOk = !m?.employmentType || m.employmentType.includes(user.employment_type);
    const tier = policy.tiers[rule.tier];
    if (roleOk && employmentOk && tier) return { name: rule.tier, tier };
  }
  // The schema guarantees a catch-all last rule; reaching here means it was bypassed.
  throw new ApiFailure('internal', 'policy has no tier for this user');
}

/** What the app tells the person before the ceremony, as codes it translates. */
export function requirementsOf(tier: Tier): PolicyRequirement[] {
  const out: PolicyRequirement[] = [];
  if (tier.factors.length === 1 && tier.factors[0] === 'security-key') out.push('security_key_only');
  if (tier.userVerification === 'required') out.push('user_verification');
  if (tier.requireTrustedAttestation) out.push('trusted_authenticator');
  if (tier.syncedPasskeys === 'refuse' && tier.factors.includes('passkey')) out.push('device_bound');
  if (tier.factorLifetimeDays !== null) out.push('time_limited');
  return out;
}

export function allowsFactor(tier: Tier, factor: FactorKind): boolean {
  return tier.factors.includes(factor);
}

/**
 * How a factor is asked for under a tier. A passkey lives on this device and
 * replaces a password on its own, so it always verifies the user; a security
 * key follows the tier.
 */
export function factorRequirements(tier: Tier, factor: FactorKind): FactorRequirements {
  if (factor === 'passkey') {
    return { attachment: 'platform', residentKey: 'required', userVerification: 'required', attestation: tier.attestation };
  }
  return {
    attachment: 'cross-platform',
    residentKey: 'discouraged',
    userVerification: tier.userVerification,
    attestation: tier.attestation,
  };
}

export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** What the attestation check found; see server/attestation/trust.ts. */
export interface AttestationFinding {
  trusted: boolean;
  compromised: boolean;
  authenticatorName: string | null;
  /** Metadata describes the model as built into a computer or phone (attachmentHint internal only). */
  platformAuthenticator?: boolean;
}

/** Looks a registration's attestation up in the operator's metadata and trust anchors. */
export type AttestationJudge = (registration: VerifiedRegistration) => Promise<AttestationFinding>;

/** Without metadata nothing is trusted and nothing has a name. */
export const noMetadata: AttestationJudge = () => Promise.resolve({ trusted: false, compromised: false, authenticatorName: null });

export type PolicyRefusal =
  'synced_passkey' | 'aaguid_not_allowed' | 'aaguid_denied' | 'attestation_untrusted' | 'authenticator_compromised';

/**
 * The refusal the person is told: a passkey that syncs is a different problem, with a different
 * remedy, from a key model the organisation has not approved, so each has its own code.
 */
export function refusalCode(refusal: PolicyRefusal): 'authenticator_not_allowed' | 'synced_passkey_not_allowed' {
  return refusal === 'synced_passkey' ? 'synced_passkey_not_allowed' : 'authenticator_not_allowed';
}

/** The policy's verdict on a verified registration: null to accept, or why not. */
export function judgeRegistration(
  tier: Tier,
  registration: { aaguid: string; backupEligible: boolean },
  finding: AttestationFinding,
): PolicyRefusal | null {
  if (finding.compromised) return 'authenticator_compromised';
  if (tier.syncedPasskeys === 'refuse' && registration.backupEligible) return 'synced_passkey';
  const aaguid = registration.aaguid.toLowerCase();
  // An all-zero AAGUID says nothing about the make: it can never satisfy an allowlist.
  if (tier.aaguids && 'allow' in tier.aaguids && (aaguid === ZERO_AAGUID || !tier.aaguids.allow.includes(aaguid)))
    return 'aaguid_not_allowed';
  if (tier.aaguids && 'deny' in tier.aaguids && tier.aaguids.deny.includes(aaguid)) return 'aaguid_denied';
  if (tier.requireTrustedAttestation && !finding.trusted) return 'attestation_untrusted';
  return null;
}
