import { sql, type SqlBool } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { Executor } from '../context.js';
import { ApiFailure } from '../errors.js';
import { lockIfSpent, reserveTry, throttleKey, type ThrottleRules, type TryVerdict } from './attempt-throttle.js';
import { backoffOf, secondsToWait, tooEarly } from './backoff.js';
import { waitEndFor } from './wait-expression.js';

/**
 * Wrong tries at enrolment codes, reserved before they are answered. A code's own row counts them:
 * one conditional UPDATE adds the try and sets the wait it would earn, only where the code is not
 * locked, has tries left and no wait stands. Tries sent at once each get their own count, so
 * however many race only the free ones and then one per wait are ever answered `code_invalid`,
 * and the lock and the owner's notification come as they would for tries one at a time; the rest
 * get the wait or the lock, exactly what the right code gets at that moment (standingRefusal), so
 * the answer tells nothing about the secret. Nothing here ever clears a lock: `locked_at` is only
 * ever set, where it is still null.
 *
 * A handle no code has is throttled the same way, by the handle as typed (the attempt_throttles
 * table): the same free tries, waits and lock, so an unknown handle answers as a live one does.
 */
export function codeTryRules(
  config: Pick<ServerConfig, 'throttleFreeFailures' | 'throttleBaseSeconds' | 'throttleMaxSeconds' | 'codeMaxAttempts' | 'codeTtlSeconds'>,
): ThrottleRules {
  // An unknown handle stays locked as long as a code could have lived; a code's own lock is for good.
  return { backoff: backoffOf(config), maxFailures: config.codeMaxAttempts, lockSeconds: config.codeTtlSeconds };
}

/** Counts one try at the code `codeId` before its secret is compared, or says why not. */
export async function reserveCodeTry(ex: Executor, codeId: string, now: Date, rules: ThrottleRules): Promise<TryVerdict> {
  const nowIso = now.toISOString();
  const count = sql<number>`(${sql.ref('failed_attempts')} + 1)`;
  const reserved = await ex
    .updateTable('enrolment_codes')
    .set({
      failed_attempts: count,
      next_try_at: rules.backoff ? waitEndFor(count, now, rules.backoff) : null,
    })
    .where('id', '=', codeId)
    .where('locked_at', 'is', null)
    .where(rules.maxFailures === null ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.ref('failed_attempts')} < ${rules.maxFailures}`)
    .where((eb) => eb.or([eb('next_try_at', 'is', null), eb('next_try_at', '<=', nowIso)]))
    .returning('failed_attempts')
    .executeTakeFirst();
  if (reserved) return { kind: 'go', failures: reserved.failed_attempts };
  const row = await ex
    .selectFrom('enrolment_codes')
    .select(['locked_at', 'failed_attempts', 'next_try_at'])
    .where('id', '=', codeId)
    .executeTakeFirst();
  if (!row || row.locked_at) return { kind: 'locked' };
  // Tries in flight have used up the count: locked, whatever the wait says.
  if (rules.maxFailures !== null && row.failed_attempts >= rules.maxFailures) return { kind: 'locked' };
  return { kind: 'wait', seconds: Math.max(1, secondsToWait(row.next_try_at, now)) };
}

/**
 * The refusal that stands for any try at the code right now, counted or not: the lock, or a wait
 * not over. A try whose secret is right is let through only past this, and is never counted: tries
 * racing with the right code then end as one session and `code_used`, never as a lock they caused.
 */
export function standingRefusal(
  row: { locked_at: string | null; failed_attempts: number; next_try_at: string | null },
  now: Date,
  rules: ThrottleRules,
): Exclude<TryVerdict, { kind: 'go' }> | null {
  if (row.locked_at || (rules.maxFailures !== null && row.failed_attempts >= rules.maxFailures)) return { kind: 'locked' };
  const wait = secondsToWait(row.next_try_at, now);
  return wait > 0 ? { kind: 'wait', seconds: wait } : null;
}

/** After a compared try failed: locks the code when that try used up its count. True when it did. */
export async function lockCodeIfSpent(ex: Executor, codeId: string, failures: number, now: Date, rules: ThrottleRules): Promise<boolean> {
  if (rules.maxFailures === null || failures < rules.maxFailures) return false;
  await ex
    .updateTable('enrolment_codes')
    .set({ locked_at: now.toISOString() })
    .where('id', '=', codeId)
    .where('locked_at', 'is', null)
    .execute();
  return true;
}

function handleKey(handle: string): string {
  return throttleKey('enrolment-handle', handle);
}

/** Counts one try at a handle no code has, exactly as reserveCodeTry would for a code with it. */
export function reserveUnknownHandleTry(ex: Executor, handle: string, now: Date, rules: ThrottleRules): Promise<TryVerdict> {
  return reserveTry(ex, handleKey(handle), now, rules);
}

/** After a try at an unknown handle (always wrong): locks the handle when that try used up its count. */
export function lockUnknownHandleIfSpent(
  ex: Executor,
  handle: string,
  failures: number,
  now: Date,
  rules: ThrottleRules,
): Promise<boolean> {
  return lockIfSpent(ex, handleKey(handle), failures, now, rules);
}

/** The refusal of a try that may not be compared: the same for a live code and an unknown handle. */
export function refusalOf(verdict: Exclude<TryVerdict, { kind: 'go' }>): ApiFailure {
  return verdict.kind === 'locked'
    ? new ApiFailure('code_locked', 'too many wrong attempts')
    : tooEarly('tries of this code', verdict.seconds);
}
