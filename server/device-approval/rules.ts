import type { ServerConfig } from '../config.js';
import type { ThrottleRules } from '../limits/attempt-throttle.js';
import { backoffOf } from '../limits/backoff.js';

/**
 * The numbers of device-to-device approval, in one place (the README's assurance table quotes them).
 * Kept out of the environment on purpose: each is small and tied to the others, and none is a
 * site's to loosen without rethinking the rest.
 */
export const APPROVAL_RULES = {
  /** A pending request lives this long: time to walk to the old computer and sign in there. */
  requestTtlSeconds: 300,
  /** After approval the new computer must collect its session this soon (it polls every few seconds). */
  collectSeconds: 120,
  /**
   * Open requests one username may have at once, whoever filed them: a bound on what the old computer
   * may be asked about, high enough that one address (see filedPerUsernameFromClient) cannot fill it.
   */
  openPerUsername: 10,
  /**
   * Requests per window for one username from one client address (IPv6: its /64), so a stranger's
   * filings hold back only their own address, never the owner's; per client address over all
   * usernames; and per username over all addresses, a last bound against a flood from many.
   */
  filedPerUsernameFromClient: 6,
  filedPerClient: 10,
  filedPerUsername: 200,
  windowSeconds: 3600,
  /** Wrong codes typed in one user's manage sessions before lookups lock for lockSeconds. */
  codeMaxFailures: 10,
  codeLockSeconds: 3600,
} as const;

/** Wrong codes on the old computer wait like every other code (server/limits/backoff.ts), then lock for a while. */
export function codeTryRules(
  config: Pick<ServerConfig, 'throttleFreeFailures' | 'throttleBaseSeconds' | 'throttleMaxSeconds'>,
): ThrottleRules {
  return { backoff: backoffOf(config), maxFailures: APPROVAL_RULES.codeMaxFailures, lockSeconds: APPROVAL_RULES.codeLockSeconds };
}
