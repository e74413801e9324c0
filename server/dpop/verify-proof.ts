import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { DPOP_ALGORITHMS, DPOP_TYP, DpopClaims, normaliseHtu } from '../../api/dpop.js';
import { ApiFailure } from '../errors.js';
import type { ReplayCache } from './replay-cache.js';

export interface ProofWindow {
  /** How old a proof may be. */
  maxAgeSeconds: number;
  /** How far in the future `iat` may be, for clocks that run ahead. */
  futureSkewSeconds: number;
}

export const DEFAULT_PROOF_WINDOW: ProofWindow = { maxAgeSeconds: 60, futureSkewSeconds: 5 };

export interface ProofCheck {
  proof: string | undefined;
  method: string;
  url: string;
  /** The bearer of the request, when there is one: the proof must carry its hash. */
  accessToken?: string | undefined;
  now: Date;
}

function refuse(detail: string): never {
  throw new ApiFailure('dpop_invalid', detail);
}

export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3) and returns the JWK thumbprint of
 * the key that signed it, which sessions and devices are bound to.
 */
export async function verifyDpopProof(check: ProofCheck, replay: ReplayCache, window: ProofWindow = DEFAULT_PROOF_WINDOW): Promise<string> {
  const { proof } = check;
  // Check 1: exactly one well-formed JWT.
  if (!proof || proof.includes(',') || proof.split('.').length !== 3) refuse('a single DPoP proof is required');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    refuse('the DPoP proof is not a JWT');
  }
  // Checks 4-7: typ, an asymmetric algorithm we accept, a public key and no private part.
  if (header.typ !== DPOP_TYP) refuse('the DPoP proof has the wrong typ');
  if (!DPOP_ALGORITHMS.includes(header.alg as (typeof DPOP_ALGORITHMS)[number])) refuse('the DPoP proof algorithm is not accepted');
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object' || 'd' in jwk) refuse('the DPoP proof must carry a public JWK');

  // Check 8: the signature, by the key in the header.
  let payload: Uint8Array;
  try {
    const key = await importJWK(jwk, header.alg);
    ({ payload } = await compactVerify(proof, key));
  } catch {
    refuse('the DPoP proof signature does not verify');
  }
  const parsed = DpopClaims.safeParse(JSON.parse(new TextDecoder().decode(payload)));
  if (!parsed.success) refuse(`the DPoP proof claims are malformed (${parsed.error.issues[0]?.path.join('.') ?? ''})`);
  const claims = parsed.data;

  // Checks 9-10: bound to this request's method and URL.
  if (claims.htm !== check.method) refuse('the DPoP proof is for another method');
  if (normaliseHtu(claims.htu) !== normaliseHtu(check.url)) refuse('the DPoP proof is for another URL');

  // Check 11: fresh, and not from the future beyond a small skew.
  const nowSeconds = Math.floor(check.now.getTime() / 1000);
  if (claims.iat > nowSeconds + window.futureSkewSeconds) refuse('the DPoP proof is issued in the future');
  if (claims.iat < nowSeconds - window.maxAgeSeconds) refuse('the DPoP proof is too old');

  // Check 12: the token's hash, once there is a token.
  if (check.accessToken !== undefined && claims.ath !== accessTokenHash(check.accessToken)) {
    refuse('the DPoP proof is not for this token');
  }

  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const expires = (claims.iat + window.maxAgeSeconds + window.futureSkewSeconds) * 1000;
  if (!replay.remember(`${jkt}:${claims.jti}`, expires, check.now.getTime())) refuse('the DPoP proof was already used');
  return jkt;
}
