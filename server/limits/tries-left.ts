import type { TriesLeft } from '../../api/errors.js';

/**
 * How close the hard lock must be before a refusal says how far it is. Further off, the count
 * toward it stays the server's: the owner needs it only when the next few tries decide it.
 */
export const NEAR_LOCK = 3;

/**
 * What a wrong code's refusal tells its owner, from the consecutive failures now counted (this one
 * included): wrong tries still answered at once before the waits begin, and, when the lock is near
 * or comes before any wait, before the lock. It is computed from the count kept for what was typed (a code handle, a username, a
 * request), whether or not that exists, so it tells an unknown one from a known one no better than
 * the waits and the lock already do.
 */
export function triesLeft(failures: number, freeFailures: number, lockAfter: number | null): TriesLeft {
  const beforeWait = Math.max(0, freeFailures - failures);
  const beforeLock = lockAfter === null ? null : Math.max(0, lockAfter - failures);
  if (beforeLock === null) return { beforeWait };
  // Near, or sooner than any wait (no waits configured before it): then the lock is what comes next.
  const lockNext = beforeLock <= NEAR_LOCK || beforeLock <= beforeWait;
  return lockNext ? { beforeWait: Math.min(beforeWait, beforeLock), beforeLock } : { beforeWait };
}
