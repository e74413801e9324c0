import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';

/** One unit taken from a count, in the window it was taken: what giving it back undoes. */
export interface Taken {
  key: string;
  windowStart: string;
  /** The count after this unit, this one included. */
  count: number;
  /** Seconds until the window ends and the count starts again. */
  endsInSeconds: number;
}

/**
 * Counts per key in fixed windows aligned to the epoch (so every instance agrees where one ends),
 * in the client_limits table every instance shares. Taking a unit is one statement that adds it
 * and answers the new count, so requests racing at once each see their own number: a limit is
 * checked against the count including the request itself, never against a count read earlier.
 */
export class WindowCounter {
  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  private window(windowSeconds: number): { start: string; endsInSeconds: number } {
    const nowMs = this.clock.now().getTime();
    const size = windowSeconds * 1000;
    const startMs = Math.floor(nowMs / size) * size;
    return { start: new Date(startMs).toISOString(), endsInSeconds: (startMs + size - nowMs) / 1000 };
  }

  /** Adds one to `key` in the current window (a new window starts at 1). */
  async take(key: string, windowSeconds: number): Promise<Taken> {
    const { start, endsInSeconds } = this.window(windowSeconds);
    const row = await this.db
      .insertInto('client_limits')
      .values({ key, window_start: start, hits: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql<number>`CASE WHEN client_limits.window_start = excluded.window_start THEN client_limits.hits + 1 ELSE 1 END`,
          window_start: sql<string>`excluded.window_start`,
        }),
      )
      .returning('hits')
      .executeTakeFirstOrThrow();
    return { key, windowStart: start, count: row.hits, endsInSeconds };
  }

  /** Gives a unit back to the window it was taken from; nothing once that window is over. */
  async giveBack(taken: Taken): Promise<void> {
    await this.db
      .updateTable('client_limits')
      .set({ hits: sql<number>`client_limits.hits - 1` })
      .where('key', '=', taken.key)
      .where('window_start', '=', taken.windowStart)
      .where('hits', '>', 0)
      .execute();
  }
}
