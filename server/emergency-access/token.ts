import { newToken, sha256 } from '../secrets.js';

/**
 * `fke_<grant id>_<secret>`: the id says which grant to look at, the 256-bit secret proves the
 * holder collected it; only sha256(secret) is stored. Opaque on purpose: a system asks at each use
 * (introspection), so ending a grant stops its token at once.
 */
const TOKEN_SHAPE = /^fke_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;

export function newEmergencyToken(grantId: string): { token: string; hash: string } {
  const secret = newToken();
  return { token: `fke_${grantId}_${secret}`, hash: sha256(secret) };
}

/** The grant a token names and its secret's hash, or null when it is not shaped like one of ours. */
export function readEmergencyToken(token: string): { grantId: string; hash: string } | null {
  const match = TOKEN_SHAPE.exec(token);
  if (!match?.[1] || !match[2]) return null;
  return { grantId: match[1], hash: sha256(match[2]) };
}
