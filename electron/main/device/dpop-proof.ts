import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { DPOP_TYP, normaliseHtu } from '../../../api/dpop.js';
import type { DeviceKey } from './device-key.js';

/** Signs one DPoP proof (RFC 9449 section 4.2) for one request. */
export type ProofSigner = (method: string, url: string, accessToken?: string) => Promise<string>;

export function createProofSigner(getKey: () => Promise<DeviceKey>, now: () => number = Date.now): ProofSigner {
  return async (method, url, accessToken) => {
    const key = await getKey();
    const claims: Record<string, string> = { htm: method, htu: normaliseHtu(url) };
    if (accessToken !== undefined) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
    return new SignJWT(claims)
      .setProtectedHeader({ typ: DPOP_TYP, alg: key.alg, jwk: { ...key.publicJwk } })
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(Math.floor(now() / 1000))
      .sign(key.privateKey);
  };
}
