import type { PolicyFile } from './schema.js';

/**
 * The policy used when no file is configured: every person may bind a passkey or
 * a security key; admins and SREs need a trusted hardware key. The shipped example
 * `server/policy/example-policy.yaml` is the same policy, written out.
 */
export const DEFAULT_POLICY: PolicyFile = {
  version: 1,
  tiers: {
    standard: {
      description: 'Employees: a passkey on their computer or a security key',
      factors: ['passkey', 'security-key'],
      syncedPasskeys: 'allow',
      userVerification: 'preferred',
      attestation: 'none',
      requireTrustedAttestation: false,
      maxFactors: 10,
      factorLifetimeDays: null,
      onRecovery: 'revoke',
    },
    contractor: {
      description: 'Contractors: device-bound factors that end with the contract',
      factors: ['passkey', 'security-key'],
      syncedPasskeys: 'refuse',
      userVerification: 'required',
      attestation: 'none',
      requireTrustedAttestation: false,
      maxFactors: 2,
      factorLifetimeDays: 90,
      onRecovery: 'revoke',
    },
    privileged: {
      description: 'Administrators: a trusted hardware security key with PIN or biometrics',
      factors: ['security-key'],
      syncedPasskeys: 'refuse',
      userVerification: 'required',
      attestation: 'direct',
      requireTrustedAttestation: true,
      maxFactors: 4,
      factorLifetimeDays: null,
      onRecovery: 'revoke',
    },
  },
  rules: [
    { match: { role: ['admin', 'sre', 'security'] }, tier: 'privileged' },
    { match: { employmentType: ['contractor'] }, tier: 'contractor' },
    { tier: 'standard' },
  ],
};
