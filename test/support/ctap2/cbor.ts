import { concatBytes, encodeCbor, type CborValue } from '../cbor.js';

/**
 * CTAP2's canonical CBOR (CTAP 2.1 section 8): definite lengths, the shortest
 * integer heads, and map keys sorted by major type, then encoded length, then
 * bytes. The software key encodes every answer this way and, like a strict key,
 * refuses requests that are not canonical, so a client that sorts its maps
 * wrongly fails here instead of on the first real key that checks.
 *
 * Only what CTAP uses: unsigned and negative integers, byte and text strings,
 * arrays, maps, true, false, null. No tags, no floats, no indefinite lengths.
 */

export type { CborValue } from '../cbor.js';

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

/** Bytewise comparison of two encoded keys in CTAP2's canonical order. */
export function compareCanonicalKeys(a: Uint8Array, b: Uint8Array): number {
  const majorA = (a[0] ?? 0) >> 5;
  const majorB = (b[0] ?? 0) >> 5;
  if (majorA !== majorB) return majorA - majorB;
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function sortedDeep(value: CborValue): CborValue {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  const entries: [CborValue, CborValue][] = value instanceof Map ? [...value] : Object.entries(value);
  const keyed = entries.map(([k, v]) => ({ key: k, encoded: encodeCbor(k), value: sortedDeep(v) }));
  keyed.sort((x, y) => compareCanonicalKeys(x.encoded, y.encoded));
  return new Map(keyed.map((e) => [e.key, e.value]));
}

/** Encodes with every map's keys in canonical order, whatever order the caller built them in. */
export function encodeCanonical(value: CborValue): Uint8Array {
  return encodeCbor(sortedDeep(value));
}

/** What decodeCanonical returns: maps as Map (CTAP keys are integers or text), byte strings as Uint8Array. */
export type Decoded = number | string | boolean | null | Uint8Array | Decoded[] | Map<number | string, Decoded>;

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.at];
    if (b === undefined) throw new CborError('truncated');
    this.at++;
    return b;
  }

  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw new CborError('truncated');
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** The argument of a head, refusing encodings longer than needed. */
  argument(info: number): number {
    if (info < 24) return info;
    let value: number;
    let least: number;
    if (info === 24) {
      value = this.byte();
      least = 24;
    } else if (info === 25) {
      value = (this.byte() << 8) | this.byte();
      least = 0x100;
    } else if (info === 26) {
      value = ((this.byte() << 24) >>> 0) + ((this.byte() << 16) | (this.byte() << 8) | this.byte());
      least = 0x10000;
    } else if (info === 27) {
      const big = new DataView(this.take(8).buffer).getBigUint64(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('integer too large');
      value = Number(big);
      least = 0x100000000;
    } else {
      throw new CborError('indefinite lengths and reserved heads are not canonical');
    }
    if (value < least) throw new CborError('integer not in its shortest form');
    return value;
  }

  item(depth: number): Decoded {
    if (depth > 8) throw new CborError('nested too deeply');
    const start = this.byte();
    const major = start >> 5;
    const info = start & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1:
        return -1 - this.argument(info);
      case 2:
        return this.take(this.argument(info));
      case 3: {
        const raw = this.take(this.argument(info));
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(raw);
        } catch {
          throw new CborError('text string is not UTF-8');
        }
      }
      case 4: {
        const n = this.argument(info);
        const out: Decoded[] = [];
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        const n = this.argument(info);
        const out = new Map<number | string, Decoded>();
        let previous: Uint8Array | null = null;
        for (let i = 0; i < n; i++) {
          const keyStart = this.at;
          const key = this.item(depth + 1);
          const encodedKey = this.bytes.subarray(keyStart, this.at);
          if (typeof key !== 'number' && typeof key !== 'string') throw new CborError('map keys must be integers or text');
          if (previous && compareCanonicalKeys(previous, encodedKey) >= 0) throw new CborError('map keys not in canonical order');
          previous = encodedKey;
          out.set(key, this.item(depth + 1));
        }
        return out;
      }
      case 6:
        throw new CborError('tags are not used by CTAP2');
      default:
        if (start === 0xf4) return false;
        if (start === 0xf5) return true;
        if (start === 0xf6) return null;
        throw new CborError(`simple value or float 0x${start.toString(16)} is not used by CTAP2`);
    }
  }
}

/** Decodes exactly one canonical item filling `bytes`; anything else throws CborError. */
export function decodeCanonical(bytes: Uint8Array): Decoded {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.at !== bytes.length) throw new CborError('bytes after the item');
  return value;
}

export { concatBytes };
