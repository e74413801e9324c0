import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { RateLimited } from '../errors.js';
import { clientKey } from './client-key.js';
import { WindowCounter } from './window-counter.js';

/**
 * Per-client limits on the operations anyone with a key can call (api/http.ts `clientLimited`):
 * at most `maxRequests` calls and `maxFailures` refused answers per client in each fixed window of
 * `windowSeconds`. Successes count only against the first, so an office behind one NAT address
 * enrolling many people at once is not slowed, while guessing (which fails) is.
 *
 * A failure is reserved before the call runs and given back when it succeeds: calls sent at once
 * each take their own place in the count, so no more than `maxFailures` of them are ever checked,
 * however many race. (So at most `maxFailures` calls of one client run at the same moment.)
 *
 * The counters live in the database: every instance on one PostgreSQL database shares them. A
 * fixed window lets a client spend two windows' worth around a boundary; the limits allow for it.
 * Clients are keyed by address, IPv6 ones by their /64 (server/limits/client-key.ts).
 */
export interface ClientLimits {
  windowSeconds: number;
  maxRequests: number;
  maxFailures: number;
}

/** A call let through: say how it ended, so its reserved failure is kept or given back. */
export interface ClientReservation {
  /** The call succeeded (or failed through no fault of the client): its reserved failure is given back. */
  succeeded(): Promise<void>;
}

export class ClientLimiter {
  private readonly counter: WindowCounter;

  constructor(
    db: Db,
    clock: Clock,
    private readonly limits: ClientLimits,
  ) {
    this.counter = new WindowCounter(db, clock);
  }

  /**
   * Takes a call and a failure from the client's counts before the call runs, or refuses it with
   * 429 when either is over. The failure stays taken unless the reservation says the call succeeded.
   */
  async reserve(address: string): Promise<ClientReservation> {
    const client = clientKey(address);
    const failure = await this.counter.take(`failures:${client}`, this.limits.windowSeconds);
    if (failure.count > this.limits.maxFailures) {
      await this.counter.giveBack(failure);
      throw new RateLimited('too many failed attempts from this address: try again later', failure.endsInSeconds);
    }
    const request = await this.counter.take(`requests:${client}`, this.limits.windowSeconds);
    if (request.count > this.limits.maxRequests) {
      await this.counter.giveBack(failure);
      throw new RateLimited('too many requests from this address: try again later', request.endsInSeconds);
    }
    return { succeeded: () => this.counter.giveBack(failure) };
  }

  /**
   * The earlier two-step form (route.ts until it moves to reserve): counts the call, then a failure
   * afterwards. Calls racing at once all pass before any failure is counted; use reserve.
   */
  async admit(address: string): Promise<void> {
    const reservation = await this.reserve(address);
    await reservation.succeeded();
  }

  /** Counts a refused answer against the client (the two-step form). */
  async failed(address: string): Promise<void> {
    await this.counter.take(`failures:${clientKey(address)}`, this.limits.windowSeconds);
  }
}
