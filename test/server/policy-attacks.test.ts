import { describe, expect, it } from 'vitest';
import type { UserRow } from '../../server/db/schema.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import {
  allowsFactor,
  factorRequirements,
  judgeRegistration,
  noMetadata,
  requirementsOf,
  tierFor,
  ZERO_AAGUID,
  type AttestationFinding,
} from '../../server/policy/evaluate.js';
import type { PolicyFile, Tier } from '../../server/policy/schema.js';

/**
 * What an attacker tries against the policy engine: landing in a weaker tier than their role
 * allows, registering an authenticator the tier refuses (synced, unlisted, denied, untrusted,
 * compromised), or an attestation that contradicts itself.
 */

const base: Tier = DEFAULT_POLICY.tiers.standard!;
const LISTED = '2fc0579f-8113-47ea-b116-bb5a8db9202a';
const OTHER = 'ee882879-721c-4913-9775-3dfcce97072a';
const trusted: AttestationFinding = { trusted: true, compromised: false, authenticatorName: 'Key' };
const untrusted: AttestationFinding = { trusted: false, compromised: false, authenticatorName: null };

function user(over: Partial<UserRow>): UserRow {
  return {
    id: 'u1',
    username: 'mallory',
    display_name: 'Mallory',
    email: null,
    role: 'engineer',
    account_kind: 'human',
    employment_type: 'employee',
    created_at: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('which tier a person lands in', () => {
  const policy: PolicyFile = {
    version: 1,
    tiers: { strict: { ...base, description: 'strict' }, loose: { ...base, description: 'loose' } },
    rules: [{ match: { role: ['admin'], employmentType: ['contractor'] }, tier: 'strict' }, { tier: 'loose' }],
  };

  it('a rule that names role and employment type needs both to match', () => {
    expect(tierFor(policy, user({ role: 'admin', employment_type: 'contractor' })).name).toBe('strict');
    expect(tierFor(policy, user({ role: 'admin', employment_type: 'employee' })).name).toBe('loose');
    expect(tierFor(policy, user({ role: 'engineer', employment_type: 'contractor' })).name).toBe('loose');
    expect(tierFor(policy, user({ role: 'admin', employment_type: 'contractor' })).tier.description).toBe('strict');
  });

  it('a rule pointing at a tier that does not exist is skipped, never a tier of nothing', () => {
    const broken: PolicyFile = { ...policy, rules: [{ tier: 'missing' }, { tier: 'loose' }] };
    expect(tierFor(broken, user({})).name).toBe('loose');
  });

  it('a policy whose rules match nobody fails closed instead of giving a default', () => {
    const noCatchAll: PolicyFile = { ...policy, rules: [{ match: { role: ['admin'] }, tier: 'strict' }] };
    expect(() => tierFor(noCatchAll, user({}))).toThrow(
      expect.objectContaining({ code: 'internal', message: 'policy has no tier for this user' }) as Error,
    );
    expect(() => tierFor(policy, user({ account_kind: 'service' }))).toThrow(
      expect.objectContaining({ code: 'account_not_eligible' }) as Error,
    );
  });
});

describe('what the app is told before the ceremony', () => {
  it('says "security key only" only when that is the one factor', () => {
    expect(requirementsOf({ ...base, factors: ['security-key'] })).toContain('security_key_only');
    expect(requirementsOf({ ...base, factors: ['security-key', 'passkey'] })).not.toContain('security_key_only');
    expect(requirementsOf({ ...base, factors: ['passkey'] })).not.toContain('security_key_only');
  });

  it('lists each requirement the tier sets, and none it does not', () => {
    expect(requirementsOf(base)).toEqual([]);
    expect(
      requirementsOf({
        ...base,
        factors: ['passkey', 'security-key'],
        userVerification: 'required',
        requireTrustedAttestation: true,
        attestation: 'direct',
        syncedPasskeys: 'refuse',
        factorLifetimeDays: 90,
      }),
    ).toEqual(['user_verification', 'trusted_authenticator', 'device_bound', 'time_limited']);
    expect(requirementsOf({ ...base, factors: ['security-key'], syncedPasskeys: 'refuse' })).toEqual(['security_key_only']);
  });

  it('a factor the tier does not list is not allowed', () => {
    expect(allowsFactor({ ...base, factors: ['security-key'] }, 'passkey')).toBe(false);
    expect(allowsFactor({ ...base, factors: ['security-key'] }, 'security-key')).toBe(true);
  });

  it('a passkey always verifies the user and is resident; a security key follows the tier', () => {
    const tier: Tier = { ...base, userVerification: 'preferred', attestation: 'direct' };
    expect(factorRequirements(tier, 'passkey')).toEqual({
      attachment: 'platform',
      residentKey: 'required',
      userVerification: 'required',
      attestation: 'direct',
    });
    expect(factorRequirements(tier, 'security-key')).toEqual({
      attachment: 'cross-platform',
      residentKey: 'discouraged',
      userVerification: 'preferred',
      attestation: 'direct',
    });
  });
});

describe('registrations the policy refuses', () => {
  it('a compromised model is refused before anything else, even on a tier that asks nothing', () => {
    const finding = { ...trusted, compromised: true };
    expect(judgeRegistration(base, { aaguid: LISTED, backupEligible: false }, finding)).toBe('authenticator_compromised');
    const strict: Tier = { ...base, syncedPasskeys: 'refuse', aaguids: { allow: [OTHER] } };
    expect(judgeRegistration(strict, { aaguid: LISTED, backupEligible: true }, finding)).toBe('authenticator_compromised');
  });

  it('a synced passkey is refused where the tier keeps factors device-bound, before the allowlist', () => {
    const tier: Tier = { ...base, syncedPasskeys: 'refuse', aaguids: { allow: [OTHER] } };
    expect(judgeRegistration(tier, { aaguid: LISTED, backupEligible: true }, trusted)).toBe('synced_passkey');
    expect(judgeRegistration({ ...base, syncedPasskeys: 'refuse' }, { aaguid: LISTED, backupEligible: false }, trusted)).toBeNull();
  });

  it('an allowlist admits only listed models, in any case, and never the all-zero AAGUID', () => {
    const tier: Tier = { ...base, aaguids: { allow: [LISTED, ZERO_AAGUID] } };
    expect(judgeRegistration(tier, { aaguid: OTHER, backupEligible: false }, trusted)).toBe('aaguid_not_allowed');
    expect(judgeRegistration(tier, { aaguid: ZERO_AAGUID, backupEligible: false }, trusted)).toBe('aaguid_not_allowed');
    expect(ZERO_AAGUID).toBe('00000000-0000-0000-0000-000000000000');
    expect(judgeRegistration(tier, { aaguid: LISTED.toUpperCase(), backupEligible: false }, trusted)).toBeNull();
  });

  it('a denylist refuses listed models in any case, and nothing else', () => {
    const tier: Tier = { ...base, aaguids: { deny: [LISTED] } };
    expect(judgeRegistration(tier, { aaguid: LISTED.toUpperCase(), backupEligible: false }, untrusted)).toBe('aaguid_denied');
    expect(judgeRegistration(tier, { aaguid: OTHER, backupEligible: false }, untrusted)).toBeNull();
    expect(judgeRegistration(tier, { aaguid: ZERO_AAGUID, backupEligible: false }, untrusted)).toBeNull();
  });

  it('untrusted attestation is refused only where the tier requires trust, and a listed model must still be trusted', () => {
    const tier: Tier = { ...base, attestation: 'direct', requireTrustedAttestation: true, aaguids: { allow: [LISTED] } };
    expect(judgeRegistration(tier, { aaguid: LISTED, backupEligible: false }, untrusted)).toBe('attestation_untrusted');
    expect(judgeRegistration(tier, { aaguid: LISTED, backupEligible: false }, trusted)).toBeNull();
    expect(judgeRegistration(base, { aaguid: LISTED, backupEligible: false }, untrusted)).toBeNull();
  });

  it('without metadata nothing is trusted and nothing has a name', async () => {
    expect(await noMetadata({} as never)).toEqual({ trusted: false, compromised: false, authenticatorName: null });
  });
});
