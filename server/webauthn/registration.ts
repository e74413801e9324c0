import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type RegistrationResponseJSON as LibraryRegistrationResponse,
} from '@simplewebauthn/server';
import type { FactorKind } from '../../api/enrolment.js';
import { CreationOptionsJSON, type RegistrationResponseJSON } from '../../api/webauthn.js';

/** ES256, EdDSA, RS256: what current passkeys and security keys produce. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export interface FactorRequirements {
  attachment: 'platform' | 'cross-platform';
  residentKey: 'required' | 'preferred' | 'discouraged';
  userVerification: 'required' | 'preferred' | 'discouraged';
  attestation: 'none' | 'direct';
}

export interface OptionsInput {
  rpId: string;
  rpName: string;
  user: { id: string; username: string; displayName: string };
  factor: FactorKind;
  /** Decided by policy (server/policy/evaluate.ts), not here. */
  requirements: FactorRequirements;
  excludeCredentialIds: string[];
  timeoutMs: number;
}

export async function buildCreationOptions(input: OptionsInput): Promise<CreationOptionsJSON> {
  const req = input.requirements;
  const options = await generateRegistrationOptions({
    rpID: input.rpId,
    rpName: input.rpName,
    userID: new TextEncoder().encode(input.user.id),
    userName: input.user.username,
    userDisplayName: input.user.displayName,
    timeout: input.timeoutMs,
    attestationType: req.attestation,
    excludeCredentials: input.excludeCredentialIds.map((id) => ({ id })),
    authenticatorSelection: {
      authenticatorAttachment: req.attachment,
      residentKey: req.residentKey,
      userVerification: req.userVerification,
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  // Parsed through the contract so what we send is exactly what the API document promises.
  return CreationOptionsJSON.parse({ ...options, hints: input.factor === 'security-key' ? ['security-key'] : ['client-device'] });
}

/** Why a registration was refused, precise enough for an audit line and a user message. */
export type RegistrationRefusal =
  | 'challenge_mismatch'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'user_presence_missing'
  | 'user_verification_missing'
  | 'unsupported_algorithm'
  | 'attestation_invalid'
  | 'malformed';

export interface VerifiedRegistration {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  attestationFormat: string;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  /** Kept for the attestation trust check that policy may ask for. */
  attestationObject: Uint8Array;
}

export type RegistrationOutcome =
  { ok: true; credential: VerifiedRegistration } | { ok: false; reason: RegistrationRefusal; detail: string };

export interface VerifyInput {
  response: RegistrationResponseJSON;
  expectedChallenge: string;
  expectedOrigins: string[];
  expectedRpId: string;
  requireUserVerification: boolean;
  supportedAlgorithms?: number[];
}

// The library reports failures as messages; these patterns turn them into our codes.
// The client-data and flag checks are anchored to the start of the library's own
// messages: those messages quote client-supplied values, and attestation failures
// mention words like "challenge" (android-key) that must not be read as step failures.
const REFUSALS: [RegExp, RegistrationRefusal][] = [
  [/^(Unexpected registration response challenge|Custom challenge verifier)/, 'challenge_mismatch'],
  [/^Unexpected registration response origin/, 'origin_mismatch'],
  [/^Unexpected RP ID hash/, 'rp_id_mismatch'],
  [/^User verification was required/, 'user_verification_missing'],
  [/^User presence was required/, 'user_presence_missing'],
  [/^Unexpected public key alg|does not support use of/, 'unsupported_algorithm'],
  [
    /^Unexpected registration response type|decode|parse|CBOR|missing|malformed|not well formed|not valid JSON|not a|invalid type/i,
    'malformed',
  ],
];

function classify(error: unknown): { reason: RegistrationRefusal; detail: string } {
  const detail = error instanceof Error ? error.message : String(error);
  const found = REFUSALS.find(([pattern]) => pattern.test(detail));
  return { reason: found?.[1] ?? 'attestation_invalid', detail };
}

/**
 * Runs every relying-party check of WebAuthn L3 section 7.1 through
 * @simplewebauthn/server and returns a typed outcome instead of throwing.
 */
export async function verifyRegistration(input: VerifyInput): Promise<RegistrationOutcome> {
  try {
    const result = await verifyRegistrationResponse({
      // Our schema is the stricter of the two; the library's type names transports as plain strings.
      response: input.response as LibraryRegistrationResponse,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigins,
      expectedRPID: input.expectedRpId,
      requireUserVerification: input.requireUserVerification,
      supportedAlgorithmIDs: input.supportedAlgorithms ?? SUPPORTED_ALGORITHMS,
    });
    if (!result.verified) return { ok: false, reason: 'attestation_invalid', detail: 'signature did not verify' };
    const info = result.registrationInfo;
    return {
      ok: true,
      credential: {
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        counter: info.credential.counter,
        transports: input.response.response.transports ?? [],
        aaguid: info.aaguid,
        attestationFormat: info.fmt,
        userVerified: info.userVerified,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
        attestationObject: info.attestationObject,
      },
    };
  } catch (error) {
    return { ok: false, ...classify(error) };
  }
}
