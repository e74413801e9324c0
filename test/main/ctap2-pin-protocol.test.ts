/**
 * Issue 11, "clientPIN with PIN/UV auth protocol 2 (and 1 for older keys)" and "check your ...
 * PIN-protocol code against the test vectors ... where they exist": the platform side of both
 * protocols against published known answers (test/fixtures/ctap2/README.md says where from).
 */
import { createECDH, createHash, createHmac, type ECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CborKey, CborMap, CborValue } from '../../electron/main/ctap2/cbor.js';
import { Ctap2Error } from '../../electron/main/ctap2/errors.js';
import { paddedPin, pinBytes, pinHash, pinProtocolOne, pinProtocolTwo } from '../../electron/main/ctap2/pin-protocol.js';

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/ctap2/${name}`, import.meta.url), 'utf8'));

const one = fixture('pin-protocol-one.json') as Record<
  | 'platformPrivate'
  | 'platformX'
  | 'platformY'
  | 'authenticatorX'
  | 'authenticatorY'
  | 'sharedSecret'
  | 'pinHash'
  | 'pinHashEnc'
  | 'pinTokenEnc'
  | 'pinToken'
  | 'pin',
  string
>;
const cavs = fixture('ecdh-p256-cavs.json') as Record<'QCAVSx' | 'QCAVSy' | 'dIUT' | 'QIUTx' | 'QIUTy' | 'ZIUT', string>;

function coseKey(x: string, y: string): CborMap {
  return new Map<CborKey, CborValue>([
    [1, 2],
    [3, -25],
    [-1, 1],
    [-2, hex(x)],
    [-3, hex(y)],
  ]);
}

function ephemeral(privateKey: string): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(hex(privateKey));
  return ecdh;
}

/** RFC 5869 written out with HMAC, so protocol 2's derivation is checked by code other than the code under test. */
function hkdfByHand(ikm: Uint8Array, info: string): string {
  const prk = createHmac('sha256', new Uint8Array(32)).update(ikm).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from(info), Buffer.of(1)]))
    .digest('hex');
}

describe('PIN/UV auth protocol 1 against python-fido2 known answers', () => {
  it('derives the shared secret SHA-256(Z) and sends our key as a COSE key', () => {
    const { keyAgreement, sharedSecret } = pinProtocolOne.encapsulate(
      coseKey(one.authenticatorX, one.authenticatorY),
      ephemeral(one.platformPrivate),
    );
    expect(toHex(sharedSecret)).toBe(one.sharedSecret);
    expect(keyAgreement.get(1)).toBe(2);
    expect(keyAgreement.get(3)).toBe(-25);
    expect(keyAgreement.get(-1)).toBe(1);
    expect(toHex(keyAgreement.get(-2) as Uint8Array)).toBe(one.platformX);
    expect(toHex(keyAgreement.get(-3) as Uint8Array)).toBe(one.platformY);
  });

  it('hashes the PIN to LEFT(SHA-256(pin), 16), encrypts it with a zero IV and decrypts the token', () => {
    const secret = hex(one.sharedSecret);
    const hash = pinHash(pinBytes(one.pin));
    expect(toHex(hash)).toBe(one.pinHash);
    expect(toHex(pinProtocolOne.encrypt(secret, hash))).toBe(one.pinHashEnc);
    expect(toHex(pinProtocolOne.decrypt(secret, hex(one.pinTokenEnc)))).toBe(one.pinToken);
  });

  it('authenticates with the first 16 bytes of HMAC-SHA-256', () => {
    const token = hex(one.pinToken);
    const message = new Uint8Array(32).fill(7);
    const full = createHmac('sha256', token).update(message).digest('hex');
    expect(toHex(pinProtocolOne.authenticate(token, message))).toBe(full.slice(0, 32));
  });
});

describe('ECDH on P-256 against NIST CAVP', () => {
  it('computes the CAVS shared value Z for both protocols', () => {
    const peer = coseKey(cavs.QCAVSx, cavs.QCAVSy);
    const z = hex(cavs.ZIUT);
    const p1 = pinProtocolOne.encapsulate(peer, ephemeral(cavs.dIUT));
    expect(toHex(p1.sharedSecret)).toBe(createHash('sha256').update(z).digest('hex'));
    expect(toHex(p1.keyAgreement.get(-2) as Uint8Array)).toBe(cavs.QIUTx);
    const p2 = pinProtocolTwo.encapsulate(peer, ephemeral(cavs.dIUT));
    expect(toHex(p2.sharedSecret)).toBe(hkdfByHand(z, 'CTAP2 HMAC key') + hkdfByHand(z, 'CTAP2 AES key'));
  });

  it('refuses a keyAgreement point that is not on the curve, or not P-256', () => {
    const offCurve = coseKey(cavs.QCAVSx, cavs.QCAVSx);
    expect(() => pinProtocolTwo.encapsulate(offCurve)).toThrow(Ctap2Error);
    const p384 = coseKey(cavs.QCAVSx, cavs.QCAVSy);
    p384.set(-1, 2);
    expect(() => pinProtocolOne.encapsulate(p384)).toThrow(/P-256/);
  });
});

describe('PIN/UV auth protocol 2', () => {
  const secret = Uint8Array.from({ length: 64 }, (_, i) => i);

  it('prefixes a fresh random IV and encrypts with the second half of the shared secret', () => {
    const plaintext = new Uint8Array(64).fill(0x31);
    const a = pinProtocolTwo.encrypt(secret, plaintext);
    const b = pinProtocolTwo.encrypt(secret, plaintext);
    expect(a).toHaveLength(80);
    expect(toHex(a.subarray(0, 16))).not.toBe(toHex(b.subarray(0, 16)));
    expect(pinProtocolTwo.decrypt(secret, a)).toEqual(plaintext);
    // The AES key is bytes 32..63: the same ciphertext under protocol 1's key layout does not decrypt to the PIN.
    expect(pinProtocolOne.decrypt(secret.subarray(0, 32), a.subarray(16))).not.toEqual(plaintext);
  });

  it('authenticates with the full HMAC, keyed by the first half of a shared secret or by the whole token', () => {
    const message = Uint8Array.of(1, 2, 3);
    expect(toHex(pinProtocolTwo.authenticate(secret, message))).toBe(
      createHmac('sha256', secret.subarray(0, 32)).update(message).digest('hex'),
    );
    const token = new Uint8Array(32).fill(9);
    expect(toHex(pinProtocolTwo.authenticate(token, message))).toBe(createHmac('sha256', token).update(message).digest('hex'));
  });
});

describe('the PIN the key receives', () => {
  it('is UTF-8 in NFC, so the same PIN typed composed or decomposed opens the key', () => {
    expect(pinBytes('caf\u00e9')).toEqual(pinBytes('cafe\u0301'));
    expect(toHex(pinBytes('caf\u00e9'))).toBe('636166c3a9');
  });

  it('is refused before the key sees it outside 4..63 bytes, or under the key minimum in characters', () => {
    const refused = (pin: string, min?: number): string => {
      try {
        pinBytes(pin, min);
        return 'accepted';
      } catch (error) {
        return error instanceof Ctap2Error ? error.code : 'other';
      }
    };
    expect(refused('123')).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(refused('1'.repeat(64))).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(refused('1'.repeat(63))).toBe('accepted');
    expect(refused('\u00e4\u00e4\u00e4\u00e4')).toBe('accepted');
    expect(refused('12345', 6)).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(refused('123456', 6)).toBe('accepted');
  });

  it('is padded with zeros to 64 bytes for setPIN', () => {
    const padded = paddedPin(pinBytes('1234'));
    expect(padded).toHaveLength(64);
    expect(toHex(padded)).toBe('31323334' + '00'.repeat(60));
  });
});
