import { RateLimited } from '../errors.js';

/**
 * Throttling in place of a lock an attacker could trigger (NIST SP 800-63B rev 4, section 3.2.2):
 * after a few free failures each further wrong code makes the next try wait twice as long, up to
 * a ceiling, for the account (or code) itself, whoever tries. A guesser is slowed to a few tries
 * an hour, while the owner, who knows the right code, waits at most the ceiling instead of
 * being locked out; a hard lock comes only after many failures (the caller's own limit, below 100).
 */
export interface Backoff {
  /** Wrong codes before any wait: room for typing mistakes. */
  freeFailures: number;
  /** The first wait; each further failure doubles it. */
  baseSeconds: number;
  /** The longest wait. */
  maxSeconds: number;
}

/** Seconds the next try must wait after `failures` consecutive wrong codes. */
export function delayAfter(failures: number, backoff: Backoff): number {
  if (failures < backoff.freeFailures) return 0;
  // 2^30 is past any ceiling; capping the exponent keeps the arithmetic exact.
  const doubled = backoff.baseSeconds * 2 ** Math.min(failures - backoff.freeFailures, 30);
  return Math.min(doubled, backoff.maxSeconds);
}

/** When the next try may come after `failures`, or null when at once. */
export function nextTryAt(now: Date, failures: number, backoff: Backoff): string | null {
  const delay = delayAfter(failures, backoff);
  return delay === 0 ? null : new Date(now.getTime() + delay * 1000).toISOString();
}

/** How long a try at `now` must still wait for `notBefore`; 0 when it may go ahead. */
export function secondsToWait(notBefore: string | null | undefined, now: Date): number {
  if (!notBefore) return 0;
  return Math.max(0, (new Date(notBefore).getTime() - now.getTime()) / 1000);
}

/** The refusal of a try that came too early. */
export function tooEarly(what: string, seconds: number): RateLimited {
  return new RateLimited(`too many wrong ${what}: wait before the next try`, seconds);
}

/** The failure that brings the first wait: the moment to tell the person someone is guessing. */
export function firstSlowed(failures: number, backoff: Backoff): boolean {
  return failures === backoff.freeFailures;
}

export function backoffOf(config: { throttleFreeFailures: number; throttleBaseSeconds: number; throttleMaxSeconds: number }): Backoff {
  return { freeFailures: config.throttleFreeFailures, baseSeconds: config.throttleBaseSeconds, maxSeconds: config.throttleMaxSeconds };
}

/**
 * The wait an account throttle tells a caller, rounded up to a coarse step (10 s under a minute,
 * then whole minutes): the exact end of a wait is not given away, so a guesser cannot time each
 * try to the second the wait ends, and the rounding only ever asks for more patience, not less.
 */
export function coarseWait(seconds: number): number {
  const step = seconds < 60 ? 10 : 60;
  return Math.max(step, Math.ceil(seconds / step) * step);
}
