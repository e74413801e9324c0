import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type ECDH,
} from 'node:crypto';
import { CtapStatusError } from './constants.js';
import type { Decoded } from './cbor.js';

/**
 * PIN/UV auth protocols 1 and 2, the authenticator's half, as CTAP 2.1 section
 * 6.5.6 and 6.5.7 define them: an ECDH P-256 key agreement key, a KDF
 * (protocol 1: SHA-256 of the shared point's x; protocol 2: HKDF-SHA-256 into
 * an HMAC key and an AES key), AES-256-CBC without padding (protocol 1 with an
 * all-zero IV, protocol 2 with a random IV in front) and HMAC-SHA-256
 * (protocol 1 keeps its first 16 bytes).
 *
 * The platform's half (encapsulate) is here too, for this package's own tests;
 * the client under test has its own implementation.
 */

export type PinProtocolVersion = 1 | 2;

/** COSE_Key labels and values the key agreement uses. */
const COSE = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, EC2: 2, P256: 1, ECDH_ES_HKDF_256: -25 } as const;

export interface PinProtocol {
  readonly version: PinProtocolVersion;
  /** Secret bytes the KDF makes from the ECDH x coordinate. */
  kdf(z: Uint8Array): Uint8Array;
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws CTAP1_ERR_INVALID_PARAMETER when the ciphertext cannot be a whole number of blocks. */
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

function aesCbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % 16 !== 0) throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
  const cipher = encrypt ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

function hmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export const pinProtocolOne: PinProtocol = {
  version: 1,
  kdf: (z) => new Uint8Array(createHash('sha256').update(z).digest()),
  encrypt: (key, plaintext) => aesCbc(true, key, new Uint8Array(16), plaintext),
  decrypt: (key, ciphertext) => aesCbc(false, key, new Uint8Array(16), ciphertext),
  authenticate: (key, message) => hmac(key, message).slice(0, 16),
  verify: (key, message, signature) => equalBytes(hmac(key, message).slice(0, 16), signature),
};

const ZERO_SALT = new Uint8Array(32);

/** Protocol 2 keys are 64 bytes (HMAC key, then AES key); a pinUvAuthToken (32 bytes) is an HMAC key as it is. */
function hmacKeyOf(key: Uint8Array): Uint8Array {
  return key.length === 64 ? key.subarray(0, 32) : key;
}
function aesKeyOf(key: Uint8Array): Uint8Array {
  if (key.length !== 64) throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
  return key.subarray(32);
}

export const pinProtocolTwo: PinProtocol = {
  version: 2,
  kdf: (z) => {
    const hmacKey = new Uint8Array(hkdfSync('sha256', z, ZERO_SALT, 'CTAP2 HMAC key', 32));
    const aesKey = new Uint8Array(hkdfSync('sha256', z, ZERO_SALT, 'CTAP2 AES key', 32));
    const out = new Uint8Array(64);
    out.set(hmacKey, 0);
    out.set(aesKey, 32);
    return out;
  },
  encrypt: (key, plaintext) => {
    const iv = new Uint8Array(randomBytes(16));
    const ct = aesCbc(true, aesKeyOf(key), iv, plaintext);
    const out = new Uint8Array(16 + ct.length);
    out.set(iv, 0);
    out.set(ct, 16);
    return out;
  },
  decrypt: (key, ciphertext) => {
    if (ciphertext.length < 16) throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
    return aesCbc(false, aesKeyOf(key), ciphertext.subarray(0, 16), ciphertext.subarray(16));
  },
  authenticate: (key, message) => hmac(hmacKeyOf(key), message),
  verify: (key, message, signature) => equalBytes(hmac(hmacKeyOf(key), message), signature),
};

export function pinProtocol(version: PinProtocolVersion): PinProtocol {
  return version === 1 ? pinProtocolOne : pinProtocolTwo;
}

/** A P-256 public key as the COSE_Key getKeyAgreement returns and the platform sends back. */
export function coseKeyAgreementKey(uncompressed: Uint8Array): Map<number, Decoded> {
  return new Map<number, Decoded>([
    [COSE.kty, COSE.EC2],
    [COSE.alg, COSE.ECDH_ES_HKDF_256],
    [COSE.crv, COSE.P256],
    [COSE.x, uncompressed.slice(1, 33)],
    [COSE.y, uncompressed.slice(33, 65)],
  ]);
}

/** The uncompressed point of a platform's COSE key; CTAP1_ERR_INVALID_PARAMETER for anything that is not an EC2 P-256 key. */
export function pointOfCoseKey(key: Decoded | undefined): Uint8Array {
  if (!(key instanceof Map)) throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
  const x = key.get(COSE.x);
  const y = key.get(COSE.y);
  if (key.get(COSE.kty) !== COSE.EC2 || key.get(COSE.crv) !== COSE.P256) throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
  if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== 32 || y.length !== 32)
    throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return point;
}

/** The authenticator's key agreement key: new at power-up and after every wrong PIN. */
export class KeyAgreement {
  private ecdh: ECDH = createECDH('prime256v1');

  constructor() {
    this.regenerate();
  }

  regenerate(): void {
    this.ecdh = createECDH('prime256v1');
    this.ecdh.generateKeys();
  }

  publicKey(): Map<number, Decoded> {
    return coseKeyAgreementKey(new Uint8Array(this.ecdh.getPublicKey()));
  }

  /** The shared secret with the platform's key; CTAP1_ERR_INVALID_PARAMETER when its point is not on the curve. */
  decapsulate(protocol: PinProtocol, platformKey: Decoded | undefined): Uint8Array {
    const point = pointOfCoseKey(platformKey);
    let z: Uint8Array;
    try {
      z = new Uint8Array(this.ecdh.computeSecret(point));
    } catch {
      throw new CtapStatusError('CTAP1_ERR_INVALID_PARAMETER');
    }
    return protocol.kdf(z);
  }
}

/** The platform's half: a fresh key pair against the authenticator's key, and the shared secret. */
export function encapsulate(
  protocol: PinProtocol,
  authenticatorKey: Decoded | undefined,
): { keyAgreement: Map<number, Decoded>; shared: Uint8Array } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const z = new Uint8Array(ecdh.computeSecret(pointOfCoseKey(authenticatorKey)));
  return { keyAgreement: coseKeyAgreementKey(new Uint8Array(ecdh.getPublicKey())), shared: protocol.kdf(z) };
}

/** LEFT(SHA-256(pin), 16): what the key stores and what pinHashEnc carries. */
export function pinHash(pinUtf8: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(pinUtf8).digest()).slice(0, 16);
}
