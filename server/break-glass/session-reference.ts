import { createHash } from 'node:crypto';
import { group, normaliseTyped } from '../enrolment/codes.js';
import { base32Of } from '../secrets.js';

/** Eight Crockford base32 characters (40 bits), shown as two groups of four. */
const REFERENCE_LENGTH = 8;

/**
 * What the key holder's app shows and the custodians' console shows for one break-glass session, so a
 * custodian confirms the session on the screen in front of them and not another one opened with a spare
 * code. Derived from the session id (server-drawn, random), so nobody chooses it; it opens nothing.
 */
export function sessionReference(sessionId: string): string {
  const digest = createHash('sha256').update(`break-glass-session:${sessionId}`).digest();
  return group(base32Of(digest.subarray(0, REFERENCE_LENGTH)));
}

/** Whether what a custodian typed, as the key holder read it out, is this session's reference (any case, dashes and spaces ignored). */
export function isSessionReference(sessionId: string, typed: string): boolean {
  return normaliseTyped(typed) === normaliseTyped(sessionReference(sessionId));
}
