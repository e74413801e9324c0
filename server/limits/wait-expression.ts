import { sql, type RawBuilder } from 'kysely';
import { delayAfter, type Backoff } from './backoff.js';

/**
 * The end of the wait a failure count earns (server/limits/backoff.ts), as SQL over a count the
 * same statement computes. A reservation can then count the try and set its wait in one UPDATE,
 * from the count the database holds at that instant rather than one read earlier: tries racing at
 * once each get their own count, and none can slip past a wait another has just set.
 *
 * The doubling is spelled out as one branch per count until the ceiling (a dozen at most for any
 * allowed setting), each with its moment as text: the same SQL on SQLite and PostgreSQL.
 */
export function waitEndFor(count: RawBuilder<number>, now: Date, backoff: Backoff): RawBuilder<string | null> {
  const at = (failures: number) =>
    sql<string>`CAST(${new Date(now.getTime() + delayAfter(failures, backoff) * 1000).toISOString()} AS text)`;
  const branches: RawBuilder<unknown>[] = [];
  let failures = backoff.freeFailures;
  while (delayAfter(failures, backoff) < backoff.maxSeconds) {
    branches.push(sql`WHEN ${count} = ${failures} THEN ${at(failures)}`);
    failures++;
  }
  const tail = branches.length > 0 ? sql` ${sql.join(branches, sql` `)}` : sql``;
  return sql<string | null>`CASE WHEN ${count} < ${backoff.freeFailures} THEN NULL${tail} ELSE ${at(failures)} END`;
}
