import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The public key in a DPoP proof's header, as node:crypto verifies with it, and its RFC 7638
 * thumbprint, which sessions and devices are bound to.
 *
 * Only ES256 keys are accepted (api/dpop.ts), so only P-256 JWKs are read. Their coordinates must be
 * exactly 32 bytes in canonical base64url: a looser reading would give one key several thumbprints.
 */
export interface DeviceKey {
  jkt: string;
  key: KeyObject;
}

/** 32 bytes of base64url without padding: 43 characters, the last carrying 2 unused bits that must be zero. */
const COORDINATE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function coordinate(value: unknown): string | null {
  return typeof value === 'string' && COORDINATE.test(value) ? value : null;
}

/**
 * Keyed by thumbprint, which commits to every member the key is built from (kty, crv, x, y), so a
 * hit is the very key an import would give. Map iteration order is insertion order, which makes
 * the first key the least recently used once each hit is moved to the end.
 */
export class DeviceKeyCache {
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly capacity = 1024) {}

  get size(): number {
    return this.keys.size;
  }

  /** The key in `jwk`, or null when it is not a well-formed P-256 public key. */
  read(jwk: Record<string, unknown>): DeviceKey | null {
    const x = coordinate(jwk.x);
    const y = coordinate(jwk.y);
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !x || !y) return null;
    // RFC 7638 section 3.2: the required members only, in lexicographic order, no whitespace.
    // x and y are base64url, so nothing in this string needs escaping.
    const jkt = createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`).digest('base64url');
    const cached = this.keys.get(jkt);
    if (cached) {
      this.keys.delete(jkt);
      this.keys.set(jkt, cached);
      return { jkt, key: cached };
    }
    let key: KeyObject;
    try {
      // Node refuses a point that is not on the curve.
      key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    } catch {
      return null;
    }
    this.keys.set(jkt, key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return { jkt, key };
  }
}
