import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so a code read aloud or typed is hard to get wrong. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function randomBase32(length: number): string {
  // 256 is a multiple of 32, so `byte % 32` is unbiased.
  return Array.from(randomBytes(length), (b) => ALPHABET[b % 32]).join('');
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
