/**
 * CBOR as CTAP2 speaks it (CTAP 2.1 §8 "Message Encoding", "CTAP2 canonical CBOR encoding form"):
 * definite lengths only, integers and lengths in their shortest form, map keys sorted by major type,
 * then by encoded length, then byte-wise, no duplicate keys, no tags, no floats.
 *
 * The encoder always writes that form; the decoder refuses anything else (indefinite lengths,
 * trailing bytes, non-shortest heads, unsorted or repeated keys, tags, floats, undefined), so a key
 * that answers with something we would not have written is caught at the boundary, not later.
 */

export type CborKey = number | bigint | string;
export type CborValue = number | bigint | string | boolean | null | Uint8Array | CborValue[] | CborMap;
export type CborMap = Map<CborKey, CborValue>;

/** Why bytes were refused (never the bytes themselves: a response may carry a PIN token). */
export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const MAJOR_SIMPLE = 7;

const TWO_POW_64 = 1n << 64n;
// Nested containers deeper than this are not a CTAP2 message; refusing them bounds the recursion.
const MAX_DEPTH = 16;

// ---- Encoding --------------------------------------------------------------------------------

function head(major: number, argument: bigint): Uint8Array {
  const m = major << 5;
  if (argument < 24n) return Uint8Array.of(m | Number(argument));
  if (argument < 0x100n) return Uint8Array.of(m | 24, Number(argument));
  if (argument < 0x10000n) {
    const out = new Uint8Array(3);
    out[0] = m | 25;
    new DataView(out.buffer).setUint16(1, Number(argument));
    return out;
  }
  if (argument < 0x100000000n) {
    const out = new Uint8Array(5);
    out[0] = m | 26;
    new DataView(out.buffer).setUint32(1, Number(argument));
    return out;
  }
  if (argument < TWO_POW_64) {
    const out = new Uint8Array(9);
    out[0] = m | 27;
    new DataView(out.buffer).setBigUint64(1, argument);
    return out;
  }
  throw new CborError('integer out of CBOR range');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** CTAP 2.1 §8: major type first, then the shorter encoding, then byte-wise lexical order. */
function compareEncodedKeys(a: Uint8Array, b: Uint8Array): number {
  const majorA = (a[0] ?? 0) >> 5;
  const majorB = (b[0] ?? 0) >> 5;
  if (majorA !== majorB) return majorA - majorB;
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function encodeItem(value: CborValue, depth: number): Uint8Array {
  if (depth > MAX_DEPTH) throw new CborError('nested too deeply');
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new CborError('only integers are encoded (CTAP2 has no floats)');
    const n = BigInt(value);
    return n >= 0n ? head(MAJOR_UNSIGNED, n) : head(MAJOR_NEGATIVE, -1n - n);
  }
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    return concat([head(MAJOR_TEXT, BigInt(bytes.length)), bytes]);
  }
  if (typeof value === 'boolean') return Uint8Array.of(value ? 0xf5 : 0xf4);
  if (value === null) return Uint8Array.of(0xf6);
  if (value instanceof Uint8Array) return concat([head(MAJOR_BYTES, BigInt(value.length)), value]);
  if (Array.isArray(value)) {
    return concat([head(MAJOR_ARRAY, BigInt(value.length)), ...value.map((item) => encodeItem(item, depth + 1))]);
  }
  const entries = [...value].map(([key, item]) => ({ key: encodeItem(key, depth + 1), item: encodeItem(item, depth + 1) }));
  entries.sort((a, b) => compareEncodedKeys(a.key, b.key));
  let previous: Uint8Array | null = null;
  for (const { key } of entries) {
    if (previous !== null && compareEncodedKeys(previous, key) === 0) throw new CborError('duplicate map key');
    previous = key;
  }
  return concat([head(MAJOR_MAP, BigInt(entries.length)), ...entries.flatMap(({ key, item }) => [key, item])]);
}

/** The CTAP2 canonical encoding of a value; maps are sorted here, whatever order they were built in. */
export function encodeCbor(value: CborValue): Uint8Array {
  return encodeItem(value, 0);
}

// ---- Decoding --------------------------------------------------------------------------------

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.at];
    if (b === undefined) throw new CborError('truncated');
    this.at += 1;
    return b;
  }

  take(length: number): Uint8Array {
    if (length > this.bytes.length - this.at) throw new CborError('truncated');
    const out = this.bytes.slice(this.at, this.at + length);
    this.at += length;
    return out;
  }
}

/** The argument of a head; refuses indefinite lengths, reserved values and non-shortest forms. */
function readArgument(reader: Reader, info: number): bigint {
  if (info < 24) return BigInt(info);
  if (info === 31) throw new CborError('indefinite lengths are not allowed');
  if (info > 27) throw new CborError('reserved additional information');
  const size = 1 << (info - 24);
  const raw = reader.take(size);
  let n = 0n;
  for (const b of raw) n = (n << 8n) | BigInt(b);
  const shortest = info === 24 ? 24n : 1n << BigInt(8 * (size / 2));
  if (n < shortest) throw new CborError('integer or length not in its shortest form');
  return n;
}

function toLength(n: bigint, reader: Reader): number {
  // A length can never exceed what is left; checking first avoids allocating for a lie.
  if (n > BigInt(reader.bytes.length - reader.at)) throw new CborError('truncated');
  return Number(n);
}

function toInteger(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeItem(reader: Reader, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw new CborError('nested too deeply');
  const initial = reader.byte();
  const major = initial >> 5;
  const info = initial & 0x1f;
  switch (major) {
    case MAJOR_UNSIGNED:
      return toInteger(readArgument(reader, info));
    case MAJOR_NEGATIVE:
      return toInteger(-1n - readArgument(reader, info));
    case MAJOR_BYTES:
      return reader.take(toLength(readArgument(reader, info), reader));
    case MAJOR_TEXT: {
      const bytes = reader.take(toLength(readArgument(reader, info), reader));
      try {
        return UTF8.decode(bytes);
      } catch {
        throw new CborError('text string is not UTF-8');
      }
    }
    case MAJOR_ARRAY: {
      const count = toLength(readArgument(reader, info), reader);
      const items: CborValue[] = [];
      for (let i = 0; i < count; i += 1) items.push(decodeItem(reader, depth + 1));
      return items;
    }
    case MAJOR_MAP: {
      const count = toLength(readArgument(reader, info), reader);
      const map: CborMap = new Map();
      let previousKey: Uint8Array | null = null;
      for (let i = 0; i < count; i += 1) {
        const keyStart = reader.at;
        const key = decodeItem(reader, depth + 1);
        if (typeof key !== 'number' && typeof key !== 'bigint' && typeof key !== 'string') {
          throw new CborError('map keys must be integers or text');
        }
        const keyBytes = reader.bytes.subarray(keyStart, reader.at);
        if (previousKey !== null) {
          const order = compareEncodedKeys(previousKey, keyBytes);
          if (order === 0) throw new CborError('duplicate map key');
          if (order > 0) throw new CborError('map keys not in canonical order');
        }
        previousKey = keyBytes;
        map.set(key, decodeItem(reader, depth + 1));
      }
      return map;
    }
    case MAJOR_TAG:
      throw new CborError('tags are not allowed');
    case MAJOR_SIMPLE:
    default:
      if (initial === 0xf4) return false;
      if (initial === 0xf5) return true;
      if (initial === 0xf6) return null;
      if (info === 31) throw new CborError('indefinite lengths are not allowed');
      throw new CborError(
        info >= 25 && info <= 27 ? 'floats are not allowed' : 'simple values other than true, false and null are not allowed',
      );
  }
}

/** Exactly one canonical data item; anything after it is refused. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = decodeItem(reader, 0);
  if (reader.at !== bytes.length) throw new CborError('trailing bytes after the data item');
  return value;
}

/**
 * The data item at the start of `bytes` and how many bytes it took: for the credential public key
 * inside authenticator data, which extensions may follow.
 */
export function decodeCborPrefix(bytes: Uint8Array): { value: CborValue; length: number } {
  const reader = new Reader(bytes);
  const value = decodeItem(reader, 0);
  return { value, length: reader.at };
}

// ---- Reading decoded values with their field named in the error --------------------------------

export function asMap(value: CborValue | undefined, field: string): CborMap {
  if (!(value instanceof Map)) throw new CborError(`${field} is not a map`);
  return value;
}

export function asBytes(value: CborValue | undefined, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CborError(`${field} is not a byte string`);
  return value;
}

export function asText(value: CborValue | undefined, field: string): string {
  if (typeof value !== 'string') throw new CborError(`${field} is not a text string`);
  return value;
}

export function asInteger(value: CborValue | undefined, field: string): number {
  if (typeof value !== 'number') throw new CborError(`${field} is not a small integer`);
  return value;
}

export function asBoolean(value: CborValue | undefined, field: string): boolean {
  if (typeof value !== 'boolean') throw new CborError(`${field} is not a boolean`);
  return value;
}

export function asArray(value: CborValue | undefined, field: string): CborValue[] {
  if (!Array.isArray(value)) throw new CborError(`${field} is not an array`);
  return value;
}

export function asTextArray(value: CborValue | undefined, field: string): string[] {
  return asArray(value, field).map((item, i) => asText(item, `${field}[${i}]`));
}
