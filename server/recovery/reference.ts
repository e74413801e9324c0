import { group, normaliseTyped } from '../enrolment/codes.js';
import { randomBase32 } from '../secrets.js';

/**
 * A help-desk request's reference: what the person reads out on the phone and the agent types
 * into `approve-recovery`. Eight Crockford base32 characters (40 bits), shown as two groups of
 * four (`K7MQ-4QX9`). It names a request, it opens nothing: the help-desk code is the secret,
 * and only the filing device can spend it. Unique across every request ever filed.
 */
export const REFERENCE_LENGTH = 8;

/** Draws before a clash is reported instead of retried: with 2^40 references, one clash is already rare. */
const REFERENCE_DRAWS = 5;

/** A new reference as stored (no dash). */
export function newReference(): string {
  return randomBase32(REFERENCE_LENGTH);
}

/** How the app and the help desk's tools show a stored reference. */
export function displayReference(stored: string): string {
  return group(stored);
}

/**
 * What an agent typed, as stored: any case, dashes and spaces ignored, Crockford's look-alikes
 * (O, I, L) read as the digits they stand for. Null when it cannot be a reference.
 */
export function parseReference(typed: string): string | null {
  const chars = normaliseTyped(typed);
  return chars?.length === REFERENCE_LENGTH ? chars : null;
}

/**
 * Stores a request under a fresh reference (`store`), drawing again when the reference is already
 * taken (`taken`, asked only after a failed store, so the unique index decides, not a racy read).
 */
export async function storeWithFreshReference<T>(
  store: (reference: string) => Promise<T>,
  taken: (reference: string) => Promise<boolean>,
  draw: () => string = newReference,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const reference = draw();
    try {
      return await store(reference);
    } catch (error) {
      if (attempt >= REFERENCE_DRAWS || !(await taken(reference))) throw error;
    }
  }
}
