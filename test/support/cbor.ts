/**
 * A minimal CBOR encoder (RFC 8949) for building WebAuthn test data: enough for
 * attestation objects and COSE keys, nothing more. Definite lengths only, which
 * is what CTAP2's canonical form asks for. Maps keep the key order given, so
 * callers pass keys in canonical order (COSE: 1, 3, -1, -2, -3; attestation
 * objects: fmt, attStmt, authData).
 */
export type CborValue =
  number | bigint | string | boolean | null | Uint8Array | CborValue[] | Map<CborValue, CborValue> | { [key: string]: CborValue };

function head(major: number, length: number | bigint): Uint8Array {
  const n = BigInt(length);
  const m = major << 5;
  if (n < 24n) return Uint8Array.of(m | Number(n));
  if (n < 0x100n) return Uint8Array.of(m | 24, Number(n));
  if (n < 0x10000n) {
    const out = new Uint8Array(3);
    out[0] = m | 25;
    new DataView(out.buffer).setUint16(1, Number(n));
    return out;
  }
  if (n < 0x100000000n) {
    const out = new Uint8Array(5);
    out[0] = m | 26;
    new DataView(out.buffer).setUint32(1, Number(n));
    return out;
  }
  if (n < 0x10000000000000000n) {
    const out = new Uint8Array(9);
    out[0] = m | 27;
    new DataView(out.buffer).setBigUint64(1, n);
    return out;
  }
  throw new RangeError('CBOR integer out of range');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function encodeInto(value: CborValue, parts: Uint8Array[]): void {
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError('only integers are supported');
    const n = BigInt(value);
    parts.push(n >= 0n ? head(0, n) : head(1, -1n - n));
  } else if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    parts.push(head(3, bytes.length), bytes);
  } else if (typeof value === 'boolean') {
    parts.push(Uint8Array.of(value ? 0xf5 : 0xf4));
  } else if (value === null) {
    parts.push(Uint8Array.of(0xf6));
  } else if (value instanceof Uint8Array) {
    parts.push(head(2, value.length), value);
  } else if (Array.isArray(value)) {
    parts.push(head(4, value.length));
    for (const item of value) encodeInto(item, parts);
  } else if (value instanceof Map) {
    parts.push(head(5, value.size));
    for (const [k, v] of value) {
      encodeInto(k, parts);
      encodeInto(v, parts);
    }
  } else {
    const entries = Object.entries(value);
    parts.push(head(5, entries.length));
    for (const [k, v] of entries) {
      encodeInto(k, parts);
      encodeInto(v, parts);
    }
  }
}

export function encodeCbor(value: CborValue): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(value, parts);
  return concat(parts);
}

export { concat as concatBytes };
