import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { RateLimited } from '../errors.js';

/**
 * Per-client limits on the operations anyone with a key can call (api/http.ts `clientLimited`):
 * at most `maxRequests` calls and `maxFailures` refused answers per client address in each fixed
 * window of `windowSeconds`. Successes count only against the first, so an office behind one NAT
 * address enrolling many people at once is not slowed, while guessing (which fails) is.
 *
 * The counters live in the database: every instance on one PostgreSQL database reads and bumps
 * the same rows, so a client gets no more by spreading its calls over instances. Windows are
 * aligned to the epoch, so all instances agree where one ends. A fixed window lets a client spend
 * two windows' worth around a boundary; the limits are set with that in mind.
 */
export interface ClientLimits {
  windowSeconds: number;
  maxRequests: number;
  maxFailures: number;
}

type Counter = 'requests' | 'failures';

export class ClientLimiter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly limits: ClientLimits,
  ) {}

  private window(): { start: string; endsInSeconds: number } {
    const nowMs = this.clock.now().getTime();
    const size = this.limits.windowSeconds * 1000;
    const startMs = Math.floor(nowMs / size) * size;
    return { start: new Date(startMs).toISOString(), endsInSeconds: (startMs + size - nowMs) / 1000 };
  }

  /**
   * Counts one call and lets it through, or refuses it with 429: when the client already has its
   * failures for this window, or this call is one too many.
   */
  async admit(client: string): Promise<void> {
    const { start, endsInSeconds } = this.window();
    const failures = await this.db
      .selectFrom('client_limits')
      .select('hits')
      .where('key', '=', key('failures', client))
      .where('window_start', '=', start)
      .executeTakeFirst();
    if ((failures?.hits ?? 0) >= this.limits.maxFailures) {
      throw new RateLimited('too many failed attempts from this address: try again later', endsInSeconds);
    }
    const requests = await this.bump('requests', client, start);
    if (requests > this.limits.maxRequests) throw new RateLimited('too many requests from this address: try again later', endsInSeconds);
  }

  /** Counts a refused answer against the client. */
  async failed(client: string): Promise<void> {
    await this.bump('failures', client, this.window().start);
  }

  /** One statement on either database: a new window starts the count at 1, the same window adds 1. */
  private async bump(counter: Counter, client: string, start: string): Promise<number> {
    const row = await this.db
      .insertInto('client_limits')
      .values({ key: key(counter, client), window_start: start, hits: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql<number>`CASE WHEN client_limits.window_start = excluded.window_start THEN client_limits.hits + 1 ELSE 1 END`,
          window_start: sql<string>`excluded.window_start`,
        }),
      )
      .returning('hits')
      .executeTakeFirstOrThrow();
    return row.hits;
  }
}

function key(counter: Counter, client: string): string {
  return `${counter}:${client}`;
}
