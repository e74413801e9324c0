import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCanonical, encodeCanonical, type CborValue, type Decoded } from '../support/ctap2/cbor.js';
import { ClientPinSubcommand, CtapCommand, Permission, SoftHidBus, SoftSecurityKey, statusName } from '../support/ctap2/index.js';
import { RawHost } from '../support/ctap2/raw-host.js';

/**
 * Issue 11, "Check your CBOR and PIN-protocol code against the test vectors the specs publish where
 * they exist": RFC 8949 Appendix A for the CBOR subset CTAP2 uses, CTAP 2.1 section 8's ordering
 * rule for map keys; the PIN/UV auth protocols have no published vectors, so an independent
 * implementation of the platform's half (Python's `cryptography`, not Node's) talks to the key.
 */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

describe('CBOR: RFC 8949 Appendix A (the subset CTAP2 uses)', () => {
  const vectors: [CborValue, string][] = [
    [0, '00'],
    [1, '01'],
    [10, '0a'],
    [23, '17'],
    [24, '1818'],
    [25, '1819'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [1000000000000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-10, '29'],
    [-100, '3863'],
    [-1000, '3903e7'],
    [false, 'f4'],
    [true, 'f5'],
    [null, 'f6'],
    [new Uint8Array(0), '40'],
    [Uint8Array.of(1, 2, 3, 4), '4401020304'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    ['"\\', '62225c'],
    ['\u00fc', '62c3bc'],
    ['\u6c34', '63e6b0b4'],
    ['\u{10151}', '64f0908591'],
    [[], '80'],
    [[1, 2, 3], '83010203'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
    [new Map(), 'a0'],
    [
      new Map([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
    [
      new Map<CborValue, CborValue>([
        ['a', 1],
        ['b', [2, 3]],
      ]),
      'a26161016162820203',
    ],
    [['a', new Map([['b', 'c']])], '826161a161626163'],
  ];

  it.each(vectors)('%j encodes as %s and decodes back', (value, expected) => {
    expect(hex(encodeCanonical(value))).toBe(expected);
    expect(hex(encodeCanonical(decodeCanonical(fromHex(expected)) as CborValue))).toBe(expected);
  });

  it("sorts map keys as CTAP 2.1 section 8 says: major type, then length, then bytes (the specification's example keys)", () => {
    const scrambled = new Map<CborValue, CborValue>([
      ['aa', 5],
      [-1, 3],
      [100, 2],
      ['z', 4],
      [10, 1],
    ]);
    const decoded = decodeCanonical(encodeCanonical(scrambled)) as Map<number | string, Decoded>;
    expect([...decoded.keys()]).toEqual([10, 100, -1, 'z', 'aa']);
  });

  it.each([
    ['1817', 'an integer longer than it needs'],
    ['190017', 'an integer longer than it needs'],
    ['9f01ff', 'an indefinite-length array'],
    ['5f4101ff', 'an indefinite-length byte string'],
    ['a202020101', 'map keys out of order'],
    ['a201010102', 'a duplicate map key'],
    ['a2616201616101', 'text keys out of order'],
    ['f93c00', 'a half-precision float'],
    ['c11a514b67b0', 'a tag'],
    ['0000', 'bytes after the item'],
    ['62c3', 'a truncated string'],
    ['61ff', 'text that is not UTF-8'],
  ])('refuses %s (%s)', (bytes) => {
    expect(() => decodeCanonical(fromHex(bytes))).toThrow();
  });
});

function python(script: string, input: unknown): Record<string, string> {
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

function hasPythonCryptography(): boolean {
  try {
    execFileSync('python3', ['-c', 'import cryptography.hazmat.primitives.kdf.hkdf'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The platform's half of PIN/UV auth protocols 1 and 2 written from CTAP 2.1 sections 6.5.6 and
 * 6.5.7 with Python's cryptography package. Stateless: each call gets the platform's private scalar.
 */
const PLATFORM = String.raw`
import json, sys, os, hashlib, hmac
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

req = json.load(sys.stdin)
version = req["version"]
peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex("04" + req["x"] + req["y"]))
private = ec.derive_private_key(int(req["scalar"], 16), ec.SECP256R1()) if "scalar" in req else ec.generate_private_key(ec.SECP256R1())
z = private.exchange(ec.ECDH(), peer)
if version == 1:
    hmac_key = aes_key = hashlib.sha256(z).digest()
else:
    derive = lambda info: HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes(32), info=info).derive(z)
    hmac_key, aes_key = derive(b"CTAP2 HMAC key"), derive(b"CTAP2 AES key")

def encrypt(data):
    iv = bytes(16) if version == 1 else os.urandom(16)
    e = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ct = e.update(data) + e.finalize()
    return ct if version == 1 else iv + ct

def decrypt(data):
    iv, ct = (bytes(16), data) if version == 1 else (data[:16], data[16:])
    d = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    return d.update(ct) + d.finalize()

def authenticate(key, message):
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return mac[:16] if version == 1 else mac

out = {}
if req["op"] == "pin":
    numbers = private.public_key().public_numbers()
    out["x"] = numbers.x.to_bytes(32, "big").hex()
    out["y"] = numbers.y.to_bytes(32, "big").hex()
    out["scalar"] = format(private.private_numbers().private_value, "x")
    out["pinHashEnc"] = encrypt(hashlib.sha256(req["pin"].encode()).digest()[:16]).hex()
    padded = req["newPin"].encode().ljust(64, b"\0")
    out["newPinEnc"] = encrypt(padded).hex()
    out["setPinParam"] = authenticate(hmac_key, bytes.fromhex(out["newPinEnc"])).hex()
else:
    token = decrypt(bytes.fromhex(req["tokenEnc"]))
    out["param"] = authenticate(token, bytes.fromhex(req["clientDataHash"])).hex()
print(json.dumps(out))
`;

describe.skipIf(!hasPythonCryptography())('PIN/UV auth protocols against an independent platform (Python cryptography)', () => {
  for (const version of [1, 2] as const) {
    it(`protocol ${version}: setPIN, the token, and a pinUvAuthParam made in Python are what the key accepts`, async () => {
      const bus = new SoftHidBus();
      const key = new SoftSecurityKey({ attestation: 'none' });
      const host = await RawHost.open(bus, bus.plug(key).path);
      try {
        const cid = await host.allocate();
        const agreement = async () => {
          const answer = await host.cbor(
            cid,
            CtapCommand.clientPIN,
            new Map([
              [1, version],
              [2, ClientPinSubcommand.getKeyAgreement],
            ]),
          );
          const cose = answer.body?.get(1) as Map<number, Uint8Array>;
          return { x: hex(cose.get(-2) ?? new Uint8Array(0)), y: hex(cose.get(-3) ?? new Uint8Array(0)) };
        };
        const platformKey = (p: Record<string, string>) =>
          new Map<number, CborValue>([
            [1, 2],
            [3, -25],
            [-1, 1],
            [-2, fromHex(p.x ?? '')],
            [-3, fromHex(p.y ?? '')],
          ]);

        const forSet = python(PLATFORM, { op: 'pin', version, ...(await agreement()), pin: '', newPin: 'fünf5' });
        const set = await host.cbor(
          cid,
          CtapCommand.clientPIN,
          new Map<number, CborValue>([
            [1, version],
            [2, ClientPinSubcommand.setPIN],
            [3, platformKey(forSet)],
            [4, fromHex(forSet.setPinParam ?? '')],
            [5, fromHex(forSet.newPinEnc ?? '')],
          ]),
        );
        expect(statusName(set.status)).toBe('CTAP2_OK');

        const authenticator = await agreement();
        const forToken = python(PLATFORM, { op: 'pin', version, ...authenticator, pin: 'fünf5', newPin: '' });
        const got = await host.cbor(
          cid,
          CtapCommand.clientPIN,
          new Map<number, CborValue>([
            [1, version],
            [2, ClientPinSubcommand.getPinUvAuthTokenUsingPinWithPermissions],
            [3, platformKey(forToken)],
            [6, fromHex(forToken.pinHashEnc ?? '')],
            [9, Permission.mc],
            [10, 'firstkey.test'],
          ]),
        );
        expect(statusName(got.status)).toBe('CTAP2_OK');

        const clientDataHash = new Uint8Array(createHash('sha256').update('python').digest());
        const { param } = python(PLATFORM, {
          op: 'token',
          version,
          ...authenticator,
          scalar: forToken.scalar,
          tokenEnc: hex(got.body?.get(2) as Uint8Array),
          clientDataHash: hex(clientDataHash),
        });
        const made = await host.cbor(
          cid,
          CtapCommand.makeCredential,
          new Map<number, CborValue>([
            [1, clientDataHash],
            [2, new Map([['id', 'firstkey.test']])],
            [3, new Map<string, CborValue>([['id', Uint8Array.of(1)]])],
            [
              4,
              [
                new Map<string, CborValue>([
                  ['alg', -7],
                  ['type', 'public-key'],
                ]),
              ],
            ],
            [8, fromHex(param ?? '')],
            [9, version],
          ]),
        );
        expect(statusName(made.status)).toBe('CTAP2_OK');
        expect(((made.body?.get(2) as Uint8Array)[32] ?? 0) & 0x04).toBe(0x04);
      } finally {
        await host.close();
      }
    });
  }
});
