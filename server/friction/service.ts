import { FunnelQuery, type FunnelReport, type StepTimings } from '../../api/friction.js';
import type { Caller, ServiceDeps } from '../context.js';
import { ApiFailure } from '../errors.js';
import { computeFriction } from './funnel.js';
import type { FrictionSnapshot } from './metrics.js';
import { StepTimingStore } from './step-timings.js';

const UNIT_SECONDS = { d: 86_400, h: 3600, m: 60 } as const;

/** `30d`, `12h`, `90m` (FunnelQuery's form) in seconds. */
export function periodSeconds(since: string): number {
  const match = /^(\d{1,4})([dhm])$/.exec(since);
  if (!match?.[1] || !match[2]) throw new ApiFailure('invalid_request', 'since: a number and d, h or m, e.g. 30d');
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds <= 0) throw new ApiFailure('invalid_request', 'since: a period longer than zero');
  return seconds;
}

/** Friction metrics: the funnel as the endpoint, /metrics and the report command see it, and the app's step timings. */
export class FrictionService {
  private readonly timings: StepTimingStore;

  constructor(private readonly deps: ServiceDeps) {
    this.timings = new StepTimingStore(deps);
  }

  /** The funnel over the period that ends now. */
  async funnel(query: FunnelQuery): Promise<FunnelReport> {
    return (await this.snapshot(FunnelQuery.parse(query).since)).report;
  }

  /** The same over `since` (`30d`), with what /metrics needs beyond the report. */
  async snapshot(since: string): Promise<FrictionSnapshot> {
    const seconds = periodSeconds(since);
    const until = this.deps.clock.now();
    const computed = await computeFriction(this.deps.db, { since: new Date(until.getTime() - seconds * 1000), until });
    return { ...computed, periodSeconds: seconds };
  }

  recordStepTimings(caller: Caller, timings: StepTimings): Promise<void> {
    return this.timings.record(caller, timings);
  }
}
