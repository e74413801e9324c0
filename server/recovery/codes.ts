import { randomBytes, timingSafeEqual } from 'node:crypto';
import { group, normaliseTyped } from '../enrolment/codes.js';
import { randomBase32 } from '../secrets.js';
import { scryptInPool } from './kdf-pool.js';

/**
 * Recovery codes and help-desk codes: Crockford base32 in four groups of four.
 *
 * A recovery code is a 3-character handle (public: it picks the code out of the user's set, so
 * one hash is checked per try) and a 13-character secret: 65 bits, above the 64 bits NIST SP
 * 800-63B rev 4 asks of saved recovery codes. A help-desk code is 16 secret characters (80 bits),
 * found through its request. Both are below the 112 bits that would allow a fast hash, so the
 * secret parts are stored salted and scrypt-hashed (SP 800-63B rev 4, look-up secrets).
 */
export const RECOVERY_HANDLE_LENGTH = 3;
export const RECOVERY_SECRET_LENGTH = 13;
export const RECOVERY_SECRET_BITS = RECOVERY_SECRET_LENGTH * 5;
export const RECOVERY_CODES_PER_SET = 10;
export const HELPDESK_CODE_LENGTH = 16;
export const HELPDESK_CODE_BITS = HELPDESK_CODE_LENGTH * 5;

export interface NewRecoveryCode {
  display: string;
  handle: string;
  secret: string;
}

/** A set of recovery codes whose handles differ from each other. */
export function generateRecoveryCodes(count = RECOVERY_CODES_PER_SET): NewRecoveryCode[] {
  const codes: NewRecoveryCode[] = [];
  const handles = new Set<string>();
  while (codes.length < count) {
    const handle = randomBase32(RECOVERY_HANDLE_LENGTH);
    if (handles.has(handle)) continue;
    handles.add(handle);
    const secret = randomBase32(RECOVERY_SECRET_LENGTH);
    codes.push({ display: group(handle + secret), handle, secret });
  }
  return codes;
}

export function parseRecoveryCode(input: string): { handle: string; secret: string } | null {
  const chars = normaliseTyped(input);
  if (chars?.length !== RECOVERY_HANDLE_LENGTH + RECOVERY_SECRET_LENGTH) return null;
  return { handle: chars.slice(0, RECOVERY_HANDLE_LENGTH), secret: chars.slice(RECOVERY_HANDLE_LENGTH) };
}

export function generateHelpdeskCode(): { display: string; secret: string } {
  const secret = randomBase32(HELPDESK_CODE_LENGTH);
  return { display: group(secret), secret };
}

export function parseHelpdeskCode(input: string): string | null {
  const chars = normaliseTyped(input);
  return chars?.length === HELPDESK_CODE_LENGTH ? chars : null;
}

/**
 * scrypt with N = 2^13, r = 8: 13-15 ms of CPU here (bench/RESULTS.md). Guessing a 65-bit secret
 * offline at that cost is far out of reach; online guessing is throttled. The parameters travel
 * with each hash, so they can be raised later without invalidating stored codes.
 */
const COST = { N: 8192, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

/** On the KDF threads (kdf-pool.ts), never on libuv's pool that every other request's crypto waits on. */
function derive(secret: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return scryptInPool({ secret, salt, keyLength: KEY_LENGTH, ...params, maxmem: MAX_MEMORY });
}

function formatHash(salt: Buffer, key: Buffer): string {
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return formatHash(salt, await derive(secret, salt, COST));
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A stored hash of nothing: the current parameters with a random salt and key, so checking against
 * it costs what a real check costs. It need not be the hash of anything, only never match, and
 * making it up front spares a derivation (and a cached failure should the first one be refused).
 */
const DUMMY = formatHash(randomBytes(16), randomBytes(KEY_LENGTH));

/** Spends the time of one real check, for a username or handle that has no code: the answer takes as long either way. */
export async function verifyNothing(secret: string): Promise<false> {
  await verifySecret(secret, DUMMY);
  return false;
}
