import { createHash, type KeyObject } from 'node:crypto';
import type { CborValue, Decoded } from './cbor.js';
import { CtapStatusError, Status } from './constants.js';
import type { Version } from './authenticator.js';

/** What the soft key's commands share: their refusal, CBOR parameter readers with the statuses CTAP 2.1 names, and byte helpers. */

export const ES256 = -7;
export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_AT = 0x40;

export type Params = Map<number | string, Decoded>;

export function fail(code: keyof typeof Status): never {
  throw new CtapStatusError(code);
}

export function optional<T>(params: Params, key: number | string, check: (v: Decoded) => v is Decoded & T): T | undefined {
  const value = params.get(key);
  if (value === undefined) return undefined;
  if (!check(value)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  return value;
}
export function required<T>(params: Params, key: number | string, check: (v: Decoded) => v is Decoded & T): T {
  const value = optional(params, key, check);
  if (value === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
  return value;
}

export const isBytes = (v: Decoded): v is Uint8Array => v instanceof Uint8Array;
export const isText = (v: Decoded): v is string => typeof v === 'string';
export const isInt = (v: Decoded): v is number => typeof v === 'number';
export const isMap = (v: Decoded): v is Params => v instanceof Map;
export const isArray = (v: Decoded): v is Decoded[] => Array.isArray(v);

export function booleanOptions(params: Params, key: number): Map<string, boolean> {
  const options = optional(params, key, isMap) ?? new Map<string | number, Decoded>();
  const out = new Map<string, boolean>();
  for (const [name, value] of options) {
    if (typeof name !== 'string' || typeof value !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    out.set(name, value);
  }
  return out;
}

export function descriptorIds(list: Decoded[] | undefined): Uint8Array[] {
  return (list ?? []).map((item) => {
    if (!isMap(item)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const type = required(item, 'type', isText);
    const id = required(item, 'id', isBytes);
    return type === 'public-key' ? id : new Uint8Array(0);
  });
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export function coseEs256(publicKey: KeyObject): Map<number, CborValue> {
  const jwk = publicKey.export({ format: 'jwk' });
  return new Map<number, CborValue>([
    [1, 2],
    [3, ES256],
    [-1, 1],
    [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
  ]);
}

/** Trailing zero bytes of a 64-byte padded PIN removed: the PIN's UTF-8. */
export function unpad(padded: Uint8Array): Uint8Array {
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  return padded.slice(0, end);
}

export function speaks21(versions: readonly Version[]): boolean {
  return versions.includes('FIDO_2_1');
}
