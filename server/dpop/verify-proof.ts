import { createHash, verify } from 'node:crypto';
import { DPOP_ALGORITHMS, DPOP_TYP, DpopClaims, normaliseHtu } from '../../api/dpop.js';
import { ApiFailure } from '../errors.js';
import { DeviceKeyCache, type DeviceKey } from './public-keys.js';

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

/** Where used proofs are remembered (replay-cache.ts): false when the key was seen and has not expired. */
export interface ProofMemory {
  remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The JSON object in one base64url segment of a compact JWS, or null. */
function decodeObject(segment: string): Record<string, unknown> | null {
  if (!BASE64URL.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The JSON value in the payload segment; `undefined` when it is not JSON at all. */
function decodePayload(segment: string): unknown {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** ES256 in a JWS signs r || s, 32 bytes each (RFC 7518 section 3.4), not DER. */
function signedBy(key: DeviceKey, signingInput: string, encodedSignature: string): boolean {
  if (!BASE64URL.test(encodedSignature)) return false;
  try {
    return verify(
      'sha256',
      Buffer.from(signingInput, 'ascii'),
      { key: key.key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(encodedSignature, 'base64url'),
    );
  } catch {
    return false;
  }
}

const deviceKeys = new DeviceKeyCache();

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3) and returns the JWK thumbprint of
 * the key that signed it, which sessions and devices are bound to.
 *
 * Everything here is synchronous node:crypto on the event loop: an ES256 check costs tens of
 * microseconds, less than a hop to libuv's thread pool would, and that pool is where WebCrypto
 * would have to wait behind whatever else (hashing, file I/O) is queued.
 */
export async function verifyDpopProof(check: ProofCheck, replay: ProofMemory, window: ProofWindow = DEFAULT_PROOF_WINDOW): Promise<string> {
  const { proof } = check;
  // Check 1: exactly one well-formed JWT.
  if (!proof || proof.includes(',') || proof.split('.').length !== 3) refuse('a single DPoP proof is required');
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = proof.split('.');
  const header = decodeObject(encodedHeader);
  if (!header) refuse('the DPoP proof is not a JWT');
  // Checks 4-7: typ, an asymmetric algorithm we accept, a public key and no private part.
  if (header.typ !== DPOP_TYP) refuse('the DPoP proof has the wrong typ');
  if (!DPOP_ALGORITHMS.includes(header.alg as (typeof DPOP_ALGORITHMS)[number])) refuse('the DPoP proof algorithm is not accepted');
  const { jwk } = header;
  if (!jwk || typeof jwk !== 'object' || 'd' in jwk) refuse('the DPoP proof must carry a public JWK');

  // Check 8: the signature, by the key in the header. No JWS extension is understood, so a proof
  // that marks one critical is refused (RFC 7515 section 4.1.11).
  const device = deviceKeys.read(jwk as Record<string, unknown>);
  if (!device || 'crit' in header || !signedBy(device, `${encodedHeader}.${encodedPayload}`, encodedSignature)) {
    refuse('the DPoP proof signature does not verify');
  }
  const parsed = DpopClaims.safeParse(decodePayload(encodedPayload));
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

  const { jkt } = device;
  const expires = (claims.iat + window.maxAgeSeconds + window.futureSkewSeconds) * 1000;
  if (!(await replay.remember(`${jkt}:${claims.jti}`, expires, check.now.getTime()))) refuse('the DPoP proof was already used');
  return jkt;
}
