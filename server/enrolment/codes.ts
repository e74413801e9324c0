import { randomBase32 } from '../secrets.js';

/**
 * An enrolment code is HANDLE + SECRET in Crockford base32, shown in groups of four.
 * The 4-character handle is public (it finds the record so failed attempts can be
 * counted per code); the 24-character secret carries 120 bits, above the 112 bits
 * DESIGN.md asks of a code that works without the user typing an identifier.
 */
export const HANDLE_LENGTH = 4;
export const SECRET_LENGTH = 24;
export const SECRET_BITS = SECRET_LENGTH * 5;

export interface NewCode {
  display: string;
  handle: string;
  secret: string;
}

export function generateCode(): NewCode {
  const handle = randomBase32(HANDLE_LENGTH);
  const secret = randomBase32(SECRET_LENGTH);
  return { display: group(handle + secret), handle, secret };
}

/** Groups of four, dash-separated: how every code is shown. */
export function group(chars: string): string {
  return chars.match(/.{1,4}/g)?.join('-') ?? chars;
}

/**
 * What people type, made canonical: upper case, no spaces or dashes, and the letters Crockford
 * treats as look-alikes (O for 0, I and L for 1). Null if anything else is left.
 */
export function normaliseTyped(input: string): string | null {
  const chars = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]+$/.test(chars) ? chars : null;
}

/**
 * Accepts what people type: upper or lower case, spaces or dashes, and the letters Crockford
 * treats as look-alikes (O for 0, I and L for 1). Returns null for anything that
 * cannot be a code, so the caller gives the same answer as for a wrong one.
 */
export function parseCode(input: string): { handle: string; secret: string } | null {
  const chars = normaliseTyped(input);
  if (chars?.length !== HANDLE_LENGTH + SECRET_LENGTH) return null;
  return { handle: chars.slice(0, HANDLE_LENGTH), secret: chars.slice(HANDLE_LENGTH) };
}
