/**
 * PIN/UV auth protocols 1 and 2 (CTAP 2.1 §6.5.6 and §6.5.7), platform side: an ECDH P-256
 * exchange with the key's keyAgreement key, a shared secret derived from it, AES-256-CBC to carry
 * the PIN's hash and the token, and HMAC-SHA-256 to prove we hold the token.
 */
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, hkdfSync, randomBytes, type ECDH } from 'node:crypto';
import { asBytes, asInteger, type CborKey, type CborMap, type CborValue } from './cbor.js';
import { Ctap2Error, STATUS } from './errors.js';
import type { PinProtocol } from './types.js';

/** COSE_Key labels and values for an ECDH-ES+HKDF-256 P-256 key (RFC 9053, CTAP 2.1 §6.5.6). */
const COSE = { KTY: 1, ALG: 3, CRV: -1, X: -2, Y: -3, KTY_EC2: 2, ALG_ECDH_ES_HKDF_256: -25, CRV_P256: 1 } as const;

export interface Encapsulation {
  /** Our ephemeral public key as a COSE_Key, sent as keyAgreement (0x03). */
  keyAgreement: CborMap;
  /** Protocol 1: 32 bytes; protocol 2: 64 bytes (HMAC key, then AES key). Zero it when done. */
  sharedSecret: Uint8Array;
}

export interface PinUvAuthProtocolCrypto {
  readonly version: PinProtocol;
  encapsulate(peer: CborMap, ephemeral?: ECDH): Encapsulation;
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** pinUvAuthParam over a message, keyed by a shared secret or a pinUvAuthToken. */
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;
}

function peerPoint(peer: CborMap): Uint8Array {
  const kty = asInteger(peer.get(COSE.KTY), 'keyAgreement kty');
  const crv = asInteger(peer.get(COSE.CRV), 'keyAgreement crv');
  if (kty !== COSE.KTY_EC2 || crv !== COSE.CRV_P256)
    throw new Ctap2Error(STATUS.OTHER, 'the key offered a keyAgreement key that is not P-256');
  const x = asBytes(peer.get(COSE.X), 'keyAgreement x');
  const y = asBytes(peer.get(COSE.Y), 'keyAgreement y');
  if (x.length !== 32 || y.length !== 32) throw new Ctap2Error(STATUS.OTHER, 'keyAgreement coordinates are not 32 bytes');
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  return point;
}

/** ecdh(peer) of §6.5.6: Z is the x-coordinate of our private key times their point (node checks the point is on the curve). */
function sharedPoint(peer: CborMap, ephemeral: ECDH): { z: Uint8Array; keyAgreement: CborMap } {
  let z: Uint8Array;
  try {
    z = ephemeral.computeSecret(peerPoint(peer));
  } catch (cause) {
    if (cause instanceof Ctap2Error) throw cause;
    throw new Ctap2Error(STATUS.OTHER, 'the keyAgreement point is not on P-256');
  }
  const ours = ephemeral.getPublicKey();
  const keyAgreement: CborMap = new Map<CborKey, CborValue>([
    [COSE.KTY, COSE.KTY_EC2],
    [COSE.ALG, COSE.ALG_ECDH_ES_HKDF_256],
    [COSE.CRV, COSE.CRV_P256],
    [COSE.X, Uint8Array.from(ours.subarray(1, 33))],
    [COSE.Y, Uint8Array.from(ours.subarray(33, 65))],
  ]);
  return { z, keyAgreement };
}

function freshEphemeral(): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh;
}

function aesCbc(mode: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % 16 !== 0) throw new Ctap2Error(STATUS.OTHER, 'ciphertext is not a whole number of AES blocks');
  // CTAP pads nothing itself: every plaintext it encrypts is a multiple of the block size.
  const cipher = mode === 'encrypt' ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

const ZERO_IV = new Uint8Array(16);

/** Protocol 1 (§6.5.6): shared secret SHA-256(Z), AES-256-CBC with a zero IV, HMAC truncated to 16 bytes. */
export const pinProtocolOne: PinUvAuthProtocolCrypto = {
  version: 1,
  encapsulate(peer, ephemeral = freshEphemeral()) {
    const { z, keyAgreement } = sharedPoint(peer, ephemeral);
    const sharedSecret = new Uint8Array(createHash('sha256').update(z).digest());
    z.fill(0);
    return { keyAgreement, sharedSecret };
  },
  encrypt: (key, plaintext) => aesCbc('encrypt', key, ZERO_IV, plaintext),
  decrypt: (key, ciphertext) => aesCbc('decrypt', key, ZERO_IV, ciphertext),
  authenticate: (key, message) => new Uint8Array(createHmac('sha256', key).update(message).digest().subarray(0, 16)),
};

const HKDF_SALT = new Uint8Array(32);

/** Protocol 2 (§6.5.7): HKDF-SHA-256 into an HMAC key and an AES key, a random IV sent first, the full HMAC. */
export const pinProtocolTwo: PinUvAuthProtocolCrypto = {
  version: 2,
  encapsulate(peer, ephemeral = freshEphemeral()) {
    const { z, keyAgreement } = sharedPoint(peer, ephemeral);
    const hmacKey = new Uint8Array(hkdfSync('sha256', z, HKDF_SALT, 'CTAP2 HMAC key', 32));
    const aesKey = new Uint8Array(hkdfSync('sha256', z, HKDF_SALT, 'CTAP2 AES key', 32));
    z.fill(0);
    const sharedSecret = new Uint8Array(64);
    sharedSecret.set(hmacKey, 0);
    sharedSecret.set(aesKey, 32);
    hmacKey.fill(0);
    aesKey.fill(0);
    return { keyAgreement, sharedSecret };
  },
  encrypt(key, plaintext) {
    const iv = randomBytes(16);
    const out = new Uint8Array(16 + plaintext.length);
    out.set(iv, 0);
    out.set(aesCbc('encrypt', aesKeyOf(key), iv, plaintext), 16);
    return out;
  },
  decrypt(key, ciphertext) {
    if (ciphertext.length < 16) throw new Ctap2Error(STATUS.OTHER, 'ciphertext shorter than its IV');
    return aesCbc('decrypt', aesKeyOf(key), ciphertext.subarray(0, 16), ciphertext.subarray(16));
  },
  authenticate(key, message) {
    // A 64-byte shared secret authenticates with its first half; a 32-byte token is the HMAC key itself.
    const hmacKey = key.length === 64 ? key.subarray(0, 32) : key;
    return new Uint8Array(createHmac('sha256', hmacKey).update(message).digest());
  },
};

function aesKeyOf(sharedSecret: Uint8Array): Uint8Array {
  if (sharedSecret.length !== 64) throw new Ctap2Error(STATUS.OTHER, 'protocol 2 needs its 64-byte shared secret');
  return sharedSecret.subarray(32, 64);
}

export function pinProtocol(version: PinProtocol): PinUvAuthProtocolCrypto {
  return version === 2 ? pinProtocolTwo : pinProtocolOne;
}

// ---- The PIN itself ----------------------------------------------------------------------------

const MIN_PIN_BYTES = 4;
const MAX_PIN_BYTES = 63;
const PADDED_PIN_BYTES = 64;

/**
 * The PIN as the key takes it: UTF-8 of its NFC form, 4..63 bytes (§6.5.5.5); refused before the key
 * sees it otherwise, so a wrong-length PIN never costs a retry. The caller zeroes the bytes.
 */
export function pinBytes(pin: string, minCodePoints = 4): Uint8Array {
  const normalized = pin.normalize('NFC');
  const bytes = new TextEncoder().encode(normalized);
  // minPINLength counts Unicode code points (CTAP 2.1 §6.4), which is what Array.from walks.
  if (Array.from(normalized).length < minCodePoints || bytes.length < MIN_PIN_BYTES || bytes.length > MAX_PIN_BYTES) {
    bytes.fill(0);
    throw new Ctap2Error(STATUS.PIN_POLICY_VIOLATION, `a PIN needs ${minCodePoints} to ${MAX_PIN_BYTES} characters`);
  }
  return bytes;
}

/** LEFT(SHA-256(pin), 16): what getPinToken and friends send, encrypted, instead of the PIN. */
export function pinHash(pin: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(pin).digest();
  const left = new Uint8Array(digest.subarray(0, 16));
  digest.fill(0);
  return left;
}

/** newPin padded with zeros to 64 bytes, as setPIN encrypts it (§6.5.5.5). */
export function paddedPin(pin: Uint8Array): Uint8Array {
  const padded = new Uint8Array(PADDED_PIN_BYTES);
  padded.set(pin, 0);
  return padded;
}
