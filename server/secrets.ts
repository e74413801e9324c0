import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so a code read aloud or typed is hard to get wrong. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function randomBase32(length: number): string {
  return base32Of(randomBytes(length));
}

/** One character per byte: 256 is a multiple of 32, so `byte % 32` keeps uniform bytes uniform. */
export function base32Of(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => ALPHABET[b % 32]).join('');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newId(): string {
  return randomUUID();
}

/** Bearer secrets handed to the app: 256 bits. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
