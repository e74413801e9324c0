/**
 * Issue 11, "Check your CBOR ... against the test vectors the specs publish": our CTAP2 CBOR codec
 * against RFC 8949 Appendix A and the CTAP specification's own example messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CborError, decodeCbor, encodeCbor, type CborKey, type CborValue } from '../../electron/main/ctap2/cbor.js';

type Described = { int: string } | { bytes: string } | { map: [Described, Described][] } | string | boolean | null | Described[];

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/ctap2/${name}`, import.meta.url), 'utf8'));
}

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function build(described: Described): CborValue {
  if (described === null || typeof described === 'string' || typeof described === 'boolean') return described;
  if (Array.isArray(described)) return described.map(build);
  if ('int' in described) {
    const n = BigInt(described.int);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('bytes' in described) return hex(described.bytes);
  return new Map(described.map.map(([k, v]) => [build(k) as CborKey, build(v)]));
}

const rfc = fixture('rfc8949-appendix-a.json') as {
  accepted: { hex: string; value: Described }[];
  refused: { hex: string; why: string }[];
};

describe('CTAP2 CBOR against RFC 8949 Appendix A', () => {
  it.each(rfc.accepted)('decodes and re-encodes $hex exactly', ({ hex: encoded, value }) => {
    const expected = build(value);
    expect(decodeCbor(hex(encoded))).toEqual(expected);
    expect(toHex(encodeCbor(expected))).toBe(encoded);
  });

  it.each(rfc.refused)('refuses $hex ($why): CTAP2 canonical form has no such item', ({ hex: encoded }) => {
    expect(() => decodeCbor(hex(encoded))).toThrow(CborError);
  });
});

interface SpecExamples {
  makeCredential: {
    hex: string;
    clientDataHash: string;
    rp: { id: string; name: string };
    user: { id: string; icon: string; name: string; displayName: string };
    pubKeyCredParams: { alg: number; type: string }[];
  };
  getAssertion: { hex: string };
  keySortingExample: { sorted: CborKey[] };
}
const spec = fixture('ctap-spec-examples.json') as SpecExamples;

describe('CTAP2 canonical map ordering against the CTAP specification', () => {
  it('sorts keys as the spec lists them: major type, then length, then bytes', () => {
    const sorted = spec.keySortingExample.sorted;
    const scrambled = new Map<CborKey, CborValue>([...sorted].reverse().map((key, i) => [key, i]));
    const decoded = decodeCbor(encodeCbor(scrambled)) as Map<CborKey, CborValue>;
    expect([...decoded.keys()]).toEqual(sorted);
  });

  it('encodes the spec example authenticatorMakeCredential byte for byte, whatever order the maps were built in', () => {
    const mc = spec.makeCredential;
    // Every map built in reverse of canonical order: the encoder alone must put them right.
    const request = new Map<CborKey, CborValue>([
      [7, new Map([['rk', true]])],
      [
        4,
        mc.pubKeyCredParams.map(
          (p) =>
            new Map<CborKey, CborValue>([
              ['type', p.type],
              ['alg', p.alg],
            ]),
        ),
      ],
      [
        3,
        new Map<CborKey, CborValue>([
          ['displayName', mc.user.displayName],
          ['name', mc.user.name],
          ['icon', mc.user.icon],
          ['id', hex(mc.user.id)],
        ]),
      ],
      [
        2,
        new Map([
          ['name', mc.rp.name],
          ['id', mc.rp.id],
        ]),
      ],
      [1, hex(mc.clientDataHash)],
    ]);
    expect(toHex(encodeCbor(request))).toBe(mc.hex);
  });

  it('decodes the spec examples and re-encodes them unchanged', () => {
    for (const example of [spec.makeCredential.hex, spec.getAssertion.hex]) {
      expect(toHex(encodeCbor(decodeCbor(hex(example))))).toBe(example);
    }
  });
});

describe('what a key must not send us', () => {
  it('refuses trailing bytes after the data item', () => {
    expect(() => decodeCbor(hex('a10102' + '00'))).toThrow(/trailing/);
  });

  it('refuses map keys out of canonical order and repeated keys', () => {
    expect(() => decodeCbor(hex('a2020101 02'.replace(/ /g, '')))).toThrow(/order/);
    expect(() => decodeCbor(hex('a201010102'))).toThrow(/duplicate/);
    expect(() =>
      encodeCbor(
        new Map<CborKey, CborValue>([
          [1, 1],
          [1n, 2],
        ]),
      ),
    ).toThrow(/duplicate/);
  });

  it('refuses integers and lengths that are not in their shortest form', () => {
    expect(() => decodeCbor(hex('1817'))).toThrow(/shortest/);
    expect(() => decodeCbor(hex('190017'))).toThrow(/shortest/);
    expect(() => decodeCbor(hex('5800'))).toThrow(/shortest/);
  });

  it('refuses a length longer than the message before allocating it', () => {
    expect(() => decodeCbor(hex('5affffffff00'))).toThrow(/truncated/);
    expect(() => decodeCbor(hex('9affffffff'))).toThrow(/truncated/);
  });

  it('refuses text that is not UTF-8, keys that are not integers or text, and absurd nesting', () => {
    expect(() => decodeCbor(hex('62c328'))).toThrow(/UTF-8/);
    expect(() => decodeCbor(hex('a1400a'))).toThrow(/keys/);
    expect(() => decodeCbor(hex('81'.repeat(40) + '00'))).toThrow(/deeply/);
  });

  it('refuses to encode what CTAP2 cannot carry', () => {
    expect(() => encodeCbor(1.5)).toThrow(CborError);
    expect(() => encodeCbor(1n << 64n)).toThrow(CborError);
  });
});
