import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON as LibraryAuthenticationResponse,
} from '@simplewebauthn/server';
import { AuthenticatorTransport, RequestOptionsJSON, type AuthenticationResponseJSON } from '../../api/webauthn.js';

export interface AllowedCredential {
  id: string;
  /** As stored at registration; anything the contract does not know is dropped. */
  transports: string[];
}

export interface RequestOptionsInput {
  rpId: string;
  allowCredentials: AllowedCredential[];
  /** Decided by policy (server/policy/evaluate.ts), not here. */
  userVerification: 'required' | 'preferred';
  timeoutMs: number;
}

type Transport = ReturnType<typeof AuthenticatorTransport.parse>;

function knownTransports(transports: string[]): Transport[] {
  return transports.filter((t): t is Transport => AuthenticatorTransport.safeParse(t).success);
}

export async function buildRequestOptions(input: RequestOptionsInput): Promise<RequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: input.rpId,
    allowCredentials: input.allowCredentials.map((c) => ({ id: c.id, transports: knownTransports(c.transports) })),
    userVerification: input.userVerification,
    timeout: input.timeoutMs,
  });
  // Parsed through the contract so what we send is exactly what the API document promises.
  return RequestOptionsJSON.parse(options);
}

/** Why an assertion was refused, precise enough for an audit line and a user message. */
export type AuthenticationRefusal =
  | 'challenge_mismatch'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'user_presence_missing'
  | 'user_verification_missing'
  | 'counter_regression'
  | 'signature_invalid'
  | 'malformed';

export interface VerifiedAssertion {
  credentialId: string;
  newCounter: number;
  userVerified: boolean;
  /** BE in this assertion's authenticator data: the credential may be synced to other devices. */
  backupEligible: boolean;
  backedUp: boolean;
}

export type AuthenticationOutcome =
  { ok: true; assertion: VerifiedAssertion } | { ok: false; reason: AuthenticationRefusal; detail: string };

export interface StoredCredential {
  id: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

export interface VerifyAssertionInput {
  response: AuthenticationResponseJSON;
  expectedChallenge: string;
  expectedOrigins: string[];
  expectedRpId: string;
  credential: StoredCredential;
  requireUserVerification: boolean;
}

// As in registration.ts: the library reports failures as messages, anchored patterns turn them into codes.
const REFUSALS: [RegExp, AuthenticationRefusal][] = [
  [/^(Unexpected authentication response challenge|Custom challenge verifier)/, 'challenge_mismatch'],
  [/^Unexpected authentication response origin/, 'origin_mismatch'],
  [/^Unexpected RP ID hash/, 'rp_id_mismatch'],
  [/^User not present/, 'user_presence_missing'],
  [/^User verification required/, 'user_verification_missing'],
  [/^Response counter value/, 'counter_regression'],
];

function classify(error: unknown): { reason: AuthenticationRefusal; detail: string } {
  const detail = error instanceof Error ? error.message : String(error);
  const found = REFUSALS.find(([pattern]) => pattern.test(detail));
  return { reason: found?.[1] ?? 'malformed', detail };
}

/**
 * Runs the relying-party checks of WebAuthn L3 section 7.2 through @simplewebauthn/server
 * (client data type, challenge, origin, RP ID hash, UP and UV flags, signature counter,
 * signature) and returns a typed outcome instead of throwing. Finding the credential, and
 * whether it may be used at all, is the caller's part.
 */
export async function verifyAuthentication(input: VerifyAssertionInput): Promise<AuthenticationOutcome> {
  if (input.response.id !== input.credential.id)
    return { ok: false, reason: 'malformed', detail: 'the assertion is for another credential' };
  const { userHandle, ...assertion } = input.response.response;
  try {
    const result = await verifyAuthenticationResponse({
      // Our schema is the stricter of the two; a null userHandle is the library's absent one.
      response: { ...input.response, response: { ...assertion, ...(userHandle ? { userHandle } : {}) } } as LibraryAuthenticationResponse,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.expectedOrigins,
      expectedRPID: input.expectedRpId,
      credential: {
        id: input.credential.id,
        publicKey: new Uint8Array(input.credential.publicKey),
        counter: input.credential.counter,
        transports: knownTransports(input.credential.transports),
      },
      requireUserVerification: input.requireUserVerification,
    });
    if (!result.verified) return { ok: false, reason: 'signature_invalid', detail: 'signature did not verify' };
    const info = result.authenticationInfo;
    return {
      ok: true,
      assertion: {
        credentialId: info.credentialID,
        newCounter: info.newCounter,
        userVerified: info.userVerified,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
      },
    };
  } catch (error) {
    return { ok: false, ...classify(error) };
  }
}
