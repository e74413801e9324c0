import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../context.js';
import { secondsToWait, type Backoff } from './backoff.js';
import { waitEndFor } from './wait-expression.js';

/** What a try may do: be checked (as the how-many-th consecutive one), wait, or nothing while locked. */
export type TryVerdict = { kind: 'go'; failures: number } | { kind: 'wait'; seconds: number } | { kind: 'locked' };

export interface ThrottleRules {
  /** The waits failures earn; null: none, only the lock. */
  backoff: Backoff | null;
  /** Consecutive failures that lock the key; null: waits only, never a lock. */
  maxFailures: number | null;
  /** How long a lock lasts, then the count starts again; null: until the key is forgotten (a right code, the help desk). */
  lockSeconds: number | null;
}

/**
 * Waits and locks for anything tried by key (server/db/schema.ts AttemptThrottlesTable), kept
 * whether or not the thing tried exists: an unknown username or code handle earns the same waits
 * and the same lock as a real one, so the answers cannot tell them apart.
 *
 * A try is reserved before it is checked: one statement counts it and sets the wait it would earn
 * should it fail, and only where no wait or lock stands. However many tries race, each wait lets
 * one through; the rest are refused uncounted.
 */
export async function reserveTry(ex: Executor, key: string, now: Date, rules: ThrottleRules): Promise<TryVerdict> {
  const nowIso = now.toISOString();
  const t = (column: string) => sql.ref(`attempt_throttles.${column}`);
  // A lock that has run out starts the count again.
  const count = sql<number>`(CASE WHEN ${t('locked_until')} IS NOT NULL THEN 1 ELSE ${t('failures')} + 1 END)`;
  const reserved = await ex
    .insertInto('attempt_throttles')
    .values({ key, failures: 1, next_try_at: waitEnd(sql<number>`1`, now, rules), locked_until: null, updated_at: nowIso })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({ failures: count, next_try_at: waitEnd(count, now, rules), locked_until: null, updated_at: nowIso })
        .where(sql<SqlBool>`(${t('locked_until')} IS NULL AND ${underMax(t('failures'), rules)} AND (${t('next_try_at')} IS NULL OR ${t('next_try_at')} <= ${nowIso}))
          OR (${t('locked_until')} IS NOT NULL AND ${t('locked_until')} <= ${nowIso})`),
    )
    .returning('failures')
    .executeTakeFirst();
  if (reserved) return { kind: 'go', failures: reserved.failures };
  const row = await ex.selectFrom('attempt_throttles').selectAll().where('key', '=', key).executeTakeFirst();
  if (row?.locked_until && row.locked_until > nowIso) return { kind: 'locked' };
  // Tries in flight have used up the count: locked, whatever the wait says.
  if (rules.maxFailures !== null && (row?.failures ?? 0) >= rules.maxFailures) return { kind: 'locked' };
  // The wait another try set a moment ago may already be over: ask for a second, never for nothing.
  return { kind: 'wait', seconds: Math.max(1, secondsToWait(row?.next_try_at, now)) };
}

function waitEnd(count: RawBuilder<number>, now: Date, rules: ThrottleRules): RawBuilder<string | null> {
  return rules.backoff ? waitEndFor(count, now, rules.backoff) : sql<string | null>`NULL`;
}

function underMax(failures: Expression<unknown>, rules: ThrottleRules) {
  return rules.maxFailures === null ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${failures} < ${rules.maxFailures}`;
}

/** The end of a lock that lasts until the key is forgotten: later than any moment compared with it. */
const UNTIL_FORGOTTEN = '9999-12-31T23:59:59.999Z';

/**
 * After a checked try failed: locks the key when that try used up the count. Never unlocks: a
 * lock another request set stays.
 */
export async function lockIfSpent(ex: Executor, key: string, failures: number, now: Date, rules: ThrottleRules): Promise<boolean> {
  if (rules.maxFailures === null || failures < rules.maxFailures) return false;
  await ex
    .updateTable('attempt_throttles')
    .set({
      locked_until: rules.lockSeconds === null ? UNTIL_FORGOTTEN : new Date(now.getTime() + rules.lockSeconds * 1000).toISOString(),
      updated_at: now.toISOString(),
    })
    .where('key', '=', key)
    .where('locked_until', 'is', null)
    .execute();
  return true;
}

/** A right code: the count, the wait and any lock of the key go. */
export async function forgetTries(ex: Executor, key: string): Promise<boolean> {
  const result = await ex.deleteFrom('attempt_throttles').where('key', '=', key).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Every key that starts with `prefix` (all clients' waits for one username): what a help-desk reset lifts. */
export async function forgetTriesUnder(ex: Executor, prefix: string): Promise<boolean> {
  const result = await ex
    .deleteFrom('attempt_throttles')
    .where(sql<string>`substr(key, 1, ${prefix.length})`, '=', prefix)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The pieces of a key, made safe to join: what a caller typed can never forge another key's prefix. */
export function throttleKey(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map((p) => encodeURIComponent(p))].join('|');
}
