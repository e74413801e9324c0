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

/** Draws before a handle clash is reported instead of retried: eight clashes in a row mean the handle space is nearly full. */
const HANDLE_DRAWS = 8;

/**
 * Stores a new code with `store`, drawing again when its public handle clashes with one already
 * issued (`handleTaken`): handles are short (20 bits) and unique across every code ever issued,
 * so a clash is likely within about a thousand codes. Any other failure is thrown as it is.
 */
export async function storeWithFreshHandle<T>(
  store: (code: NewCode) => Promise<T>,
  handleTaken: (handle: string) => Promise<boolean>,
): Promise<T> {
  for (let draw = 1; ; draw++) {
    const code = generateCode();
    try {
      return await store(code);
    } catch (error) {
      if (draw >= HANDLE_DRAWS || !(await handleTaken(code.handle))) throw error;
    }
  }
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
