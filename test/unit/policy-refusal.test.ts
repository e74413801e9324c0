import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { judgeRegistration, refusalCode, ZERO_AAGUID } from '../../server/policy/evaluate.js';

const untrusted = { trusted: false, compromised: false, authenticatorName: null };

describe('Layout and words: a refused key says which cause, a synced passkey or a model not approved', () => {
  it('a contractor’s passkey that syncs is refused as synced, not as an unapproved model', () => {
    const refusal = judgeRegistration(DEFAULT_POLICY.tiers.contractor!, { aaguid: ZERO_AAGUID, backupEligible: true }, untrusted);
    expect(refusal).toBe('synced_passkey');
    expect(refusalCode(refusal!)).toBe('synced_passkey_not_allowed');
  });

  it('a privileged user’s device-bound key of a model nobody vouches for is refused as the model', () => {
    const refusal = judgeRegistration(DEFAULT_POLICY.tiers.privileged!, { aaguid: ZERO_AAGUID, backupEligible: false }, untrusted);
    expect(refusal).toBe('attestation_untrusted');
    expect(refusalCode(refusal!)).toBe('authenticator_not_allowed');
  });

  it('every other refusal is about the model', () => {
    for (const refusal of ['aaguid_not_allowed', 'aaguid_denied', 'attestation_untrusted', 'authenticator_compromised'] as const) {
      expect(refusalCode(refusal)).toBe('authenticator_not_allowed');
    }
  });
});
