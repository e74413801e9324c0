import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FunnelReport } from '../../api/friction.js';
import { TIME_TO_ENROL_BUCKETS } from './funnel.js';

/** What one scrape shows: the report and the durations behind its time-to-enrol histogram. */
export interface FrictionSnapshot {
  report: FunnelReport;
  enrolSeconds: readonly number[];
  periodSeconds: number;
}

/**
 * The Prometheus registry of friction metrics: its own (never prom-client's global one, which other
 * code in the process could fill), every value set at scrape from the snapshot the route computed from
 * the database. Label values come from closed sets only: stages, tier names of the policy, factor kinds,
 * journey steps, refusal codes (server/friction/reasons.ts), recovery methods and help-desk outcomes.
 */
export function frictionRegistry(snapshot: () => FrictionSnapshot): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'firstkey_' });
  const registers = [registry];

  new Gauge({
    name: 'firstkey_metrics_period_seconds',
    help: 'The period the friction metrics cover, ending at the scrape',
    registers,
    collect() {
      this.set(snapshot().periodSeconds);
    },
  });
  new Gauge({
    name: 'firstkey_enrolment_funnel',
    help: 'Enrolment codes that reached each stage in the period, by policy tier and factor kind (factor_kind="all": every kind)',
    labelNames: ['stage', 'tier', 'factor_kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const row of snapshot().report.byTier)
        for (const { stage, count } of row.stages) this.set({ stage, tier: row.tier, factor_kind: row.factorKind ?? 'all' }, count);
    },
  });
  new Histogram({
    name: 'firstkey_time_to_enrol_seconds',
    help: "From an enrolment code's issue to its first completed enrolment, for codes completed in the period",
    buckets: [...TIME_TO_ENROL_BUCKETS],
    registers,
    collect() {
      this.reset();
      for (const seconds of snapshot().enrolSeconds) this.observe(seconds);
    },
  });
  new Gauge({
    name: 'firstkey_enrolment_drop_off',
    help: 'Enrolment sessions that never completed, by the last journey step the app reported',
    labelNames: ['step'] as const,
    registers,
    collect() {
      this.reset();
      for (const { step, count } of snapshot().report.dropOffByStep) this.set({ step }, count);
    },
  });
  new Gauge({
    name: 'firstkey_refusals',
    help: 'Refusals in the period by source and reason (factor:, code:, auth:)',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      this.reset();
      for (const { reason, count } of snapshot().report.refusals) this.set({ reason }, count);
    },
  });
  new Gauge({
    name: 'firstkey_recoveries',
    help: 'Completed recoveries in the period by how they were opened',
    labelNames: ['method'] as const,
    registers,
    collect() {
      this.reset();
      for (const { method, count } of snapshot().report.recoveries) this.set({ method }, count);
    },
  });
  new Gauge({
    name: 'firstkey_helpdesk_requests',
    help: 'Help-desk recovery requests in the period: filed, approved (code issued), denied',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const { requests, approved, denied } = snapshot().report.helpdesk;
      this.set({ outcome: 'filed' }, requests);
      this.set({ outcome: 'approved' }, approved);
      this.set({ outcome: 'denied' }, denied);
    },
  });
  new Gauge({
    name: 'firstkey_helpdesk_median_seconds_to_approval',
    help: 'Median time from a help-desk request to its approval, for approvals in the period (absent when none)',
    registers,
    collect() {
      this.reset();
      const median = snapshot().report.helpdesk.medianSecondsToApproval;
      if (median !== null) this.set(median);
    },
  });
  new Gauge({
    name: 'firstkey_resets_per_100_users',
    help: 'Recoveries and factor replacements in the period per 100 people with an active factor',
    registers,
    collect() {
      this.set(snapshot().report.resetsPer100Users);
    },
  });
  // Movers (server/movers/counts.ts), one gauge each: no label, so nothing beyond the counts can leak.
  const movers: [string, string, (m: FrictionSnapshot['report']['movers']) => number][] = [
    ['firstkey_mover_role_changes', 'Role or employment changes in the period', (m) => m.moves],
    ['firstkey_mover_factors_non_compliant', 'Factors found short of the new tier after a move, in the period', (m) => m.nonCompliant],
    ['firstkey_mover_factors_restored', 'Non-compliant factors that met the tier again after a move back', (m) => m.restored],
    ['firstkey_mover_factors_suspended', 'Non-compliant factors suspended when the mover grace period ended', (m) => m.suspended],
  ];
  for (const [name, help, value] of movers) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value(snapshot().report.movers));
      },
    });
  }
  return registry;
}
