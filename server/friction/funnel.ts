import { FunnelStage, JourneyStep, type FunnelReport } from '../../api/friction.js';
import type { Executor } from '../context.js';
import { moverCounts } from '../movers/counts.js';
import { factorKindLabel, recoveryMethodLabel, REFUSAL_EVENTS, refusalLabel, type RefusalEvent } from './reasons.js';

/**
 * Events that only link what happens in the period to what came before it (a code issued the day
 * before, a request filed earlier) are read this far back: longer than a code (24 h), a session, or a
 * help-desk request (at most 7 days) lives.
 */
export const LOOKBACK_DAYS = 8;

/** Upper bounds of the time-to-enrol buckets, in seconds: a minute up to the code's whole day. */
export const TIME_TO_ENROL_BUCKETS = [60, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400] as const;

/** The tier of an event recorded before events named their tier. */
export const UNKNOWN_TIER = 'unknown';

const EVENTS = [
  'code.issued',
  'session.opened',
  'factor.registered',
  'session.completed',
  'replacement.completed',
  'recovery.completed',
  'recovery.requested',
  'recovery.helpdesk_code_issued',
  'recovery.denied',
  ...REFUSAL_EVENTS,
] as const;

type Details = Record<string, unknown>;

interface Row {
  at: string;
  event: string;
  details: Details;
}

function text(details: Details, key: string): string | null {
  const value = details[key];
  return typeof value === 'string' ? value : null;
}

function parse(details: string): Details {
  try {
    const value: unknown = JSON.parse(details);
    return value !== null && typeof value === 'object' ? (value as Details) : {};
  } catch {
    return {};
  }
}

/** Counts of distinct things per key, in first-seen order. */
class Tally<K extends string> {
  readonly sets = new Map<K, Set<string>>();
  add(key: K, item: string): void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(item);
  }
  count(key: K): number {
    return this.sets.get(key)?.size ?? 0;
  }
}

/** Nearest-rank quantile of sorted values; null when there are none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? null;
}

function counted(map: Map<string, number>): { key: string; count: number }[] {
  return [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => ({ key, count }));
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export interface FunnelPeriod {
  since: Date;
  until: Date;
}

/**
 * The enrolment funnel and friction over a period, from the audit trail and the tables alone, so
 * every instance and the CLI give the same numbers. Enrolment stages count enrolment codes: a code
 * reopened after a timeout is still one person getting through.
 */
export async function computeFunnel(db: Executor, period: FunnelPeriod): Promise<FunnelReport> {
  return (await computeFriction(db, period)).report;
}

/** The report, and each code's seconds from issue to its first completed enrolment (for a histogram's sum). */
export async function computeFriction(
  db: Executor,
  { since, until }: FunnelPeriod,
): Promise<{ report: FunnelReport; enrolSeconds: number[] }> {
  const from = since.toISOString();
  const to = until.toISOString();
  const lookback = new Date(since.getTime() - LOOKBACK_DAYS * 86_400_000).toISOString();
  const raw = await db
    .selectFrom('audit_events')
    .select(['at', 'event', 'details'])
    .where('event', 'in', EVENTS)
    .where('at', '>=', lookback)
    .where('at', '<', to)
    .orderBy('seq')
    .execute();
  const rows: Row[] = raw.map((r) => ({ at: r.at, event: r.event, details: parse(r.details) }));
  const inPeriod = (row: Row) => row.at >= from;

  // Links, from the whole lookback: which code and tier each session came from, what each registered.
  const codeTier = new Map<string, string>();
  const codeIssuedAt = new Map<string, number>();
  const sessionCode = new Map<string, string>();
  const sessionTier = new Map<string, string>();
  const sessionKinds = new Map<string, Set<string>>();
  const requestedAt = new Map<string, number>();
  const completedSessions = new Set<string>();
  for (const row of rows) {
    const d = row.details;
    if (row.event === 'code.issued') {
      const codeId = text(d, 'codeId');
      if (!codeId) continue;
      codeTier.set(codeId, text(d, 'tier') ?? UNKNOWN_TIER);
      codeIssuedAt.set(codeId, Date.parse(row.at));
    } else if (row.event === 'session.opened' && text(d, 'purpose') === 'enrol') {
      const sessionId = text(d, 'sessionId');
      if (!sessionId) continue;
      // A session recorded before sessions named their code stands for a code of its own.
      sessionCode.set(sessionId, text(d, 'codeId') ?? `session:${sessionId}`);
      sessionTier.set(sessionId, text(d, 'tier') ?? UNKNOWN_TIER);
    } else if (row.event === 'factor.registered') {
      const sessionId = text(d, 'sessionId');
      if (!sessionId) continue;
      let kinds = sessionKinds.get(sessionId);
      if (!kinds) sessionKinds.set(sessionId, (kinds = new Set()));
      kinds.add(factorKindLabel(d.factor));
    } else if (row.event === 'session.completed' && text(d, 'purpose') === 'enrol') {
      const sessionId = text(d, 'sessionId');
      if (sessionId) completedSessions.add(sessionId);
    } else if (row.event === 'recovery.requested') {
      const requestId = text(d, 'requestId');
      if (requestId) requestedAt.set(requestId, Date.parse(row.at));
    }
  }
  // One tier per code, so each tier's funnel narrows: the tier it was issued under, else its session's.
  const tierOf = (sessionId: string): string => {
    const code = sessionCode.get(sessionId);
    return (code && codeTier.get(code)) ?? sessionTier.get(sessionId) ?? UNKNOWN_TIER;
  };

  type StageKey = `${string}|${string}|${FunnelStage}`;
  const stages = new Tally<FunnelStage>();
  const byTier = new Tally<StageKey>();
  const tiers = new Map<string, Set<string>>();
  const seeTier = (tier: string, kind: string) => {
    let kinds = tiers.get(tier);
    if (!kinds) tiers.set(tier, (kinds = new Set()));
    if (kind) kinds.add(kind);
  };
  const record = (stage: FunnelStage, code: string, tier: string, kinds: Iterable<string> = []) => {
    stages.add(stage, code);
    byTier.add(`${tier}||${stage}`, code);
    seeTier(tier, '');
    for (const kind of kinds) {
      byTier.add(`${tier}|${kind}|${stage}`, code);
      seeTier(tier, kind);
    }
  };
  const firstCompletion = new Map<string, number>();
  const refusals = new Map<string, number>();
  const recoveries = new Map<string, number>();
  const approvalSeconds: number[] = [];
  let requests = 0;
  let approved = 0;
  let denied = 0;
  let resets = 0;

  for (const row of rows) {
    if (!inPeriod(row)) continue;
    const d = row.details;
    const sessionId = text(d, 'sessionId');
    switch (row.event) {
      case 'code.issued': {
        const codeId = text(d, 'codeId');
        if (codeId) record('codes_issued', codeId, codeTier.get(codeId) ?? UNKNOWN_TIER);
        break;
      }
      case 'session.opened': {
        const code = sessionId && sessionCode.get(sessionId);
        if (sessionId && code) record('sessions_opened', code, tierOf(sessionId));
        break;
      }
      case 'factor.registered': {
        const code = sessionId && sessionCode.get(sessionId);
        if (sessionId && code) record('factors_registered', code, tierOf(sessionId), [factorKindLabel(d.factor)]);
        break;
      }
      case 'session.completed': {
        const code = sessionId && sessionCode.get(sessionId);
        if (!sessionId || !code || text(d, 'purpose') !== 'enrol') break;
        record('completed', code, tierOf(sessionId), sessionKinds.get(sessionId) ?? []);
        const issued = codeIssuedAt.get(code);
        if (issued !== undefined && !firstCompletion.has(code)) firstCompletion.set(code, (Date.parse(row.at) - issued) / 1000);
        break;
      }
      case 'replacement.completed':
        resets += 1;
        break;
      case 'recovery.completed':
        resets += 1;
        bump(recoveries, recoveryMethodLabel(d.method));
        break;
      case 'recovery.requested':
        requests += 1;
        break;
      case 'recovery.helpdesk_code_issued': {
        approved += 1;
        const filed = requestedAt.get(text(d, 'requestId') ?? '');
        if (filed !== undefined) approvalSeconds.push((Date.parse(row.at) - filed) / 1000);
        break;
      }
      case 'recovery.denied':
        denied += 1;
        break;
      default:
        if ((REFUSAL_EVENTS as readonly string[]).includes(row.event)) bump(refusals, refusalLabel(row.event as RefusalEvent, d.reason));
    }
  }

  const durations = [...firstCompletion.values()].sort((a, b) => a - b);
  approvalSeconds.sort((a, b) => a - b);
  const stageList = (key: (stage: FunnelStage) => number, only: readonly FunnelStage[] = FunnelStage.options) =>
    only.map((stage) => ({ stage, count: key(stage) }));
  const fromRegistration: readonly FunnelStage[] = ['factors_registered', 'completed'];

  const report: FunnelReport = {
    since: from,
    until: to,
    stages: stageList((s) => stages.count(s)),
    byTier: [...tiers.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([tier, kinds]) => [
        { tier, factorKind: null, stages: stageList((s) => byTier.count(`${tier}||${s}`)) },
        ...[...kinds].sort().map((kind) => ({
          tier,
          factorKind: kind,
          stages: stageList((s) => byTier.count(`${tier}|${kind}|${s}`), fromRegistration),
        })),
      ]),
    timeToEnrol: {
      buckets: [...TIME_TO_ENROL_BUCKETS, null].map((le) => ({ le, count: durations.filter((s) => le === null || s <= le).length })),
      medianSeconds: quantile(durations, 0.5),
      p90Seconds: quantile(durations, 0.9),
    },
    dropOffByStep: await dropOff(db, from, to, completedSessions),
    refusals: counted(refusals).map(({ key, count }) => ({ reason: key, count })),
    recoveries: counted(recoveries).map(({ key, count }) => ({ method: key, count })),
    helpdesk: { requests, approved, denied, medianSecondsToApproval: quantile(approvalSeconds, 0.5) },
    resetsPer100Users: await resetsPer100(db, resets),
    movers: await moverCounts(db, from, to),
  };
  return { report, enrolSeconds: durations };
}

/** Where sessions that reported their steps and never completed stopped: the last step each reported. */
async function dropOff(db: Executor, from: string, to: string, completed: ReadonlySet<string>) {
  const rows = await db
    .selectFrom('step_timings')
    .select(['session_id', 'position', 'step'])
    .where('recorded_at', '>=', from)
    .where('recorded_at', '<', to)
    .execute();
  const last = new Map<string, { position: number; step: string }>();
  for (const row of rows) {
    const known = last.get(row.session_id);
    if (!known || row.position > known.position) last.set(row.session_id, row);
  }
  const counts = new Map<string, number>();
  for (const [sessionId, { step }] of last) if (!completed.has(sessionId)) bump(counts, step);
  // In the journey's order, every step named, so a chart's axis never moves.
  return JourneyStep.options.map((step) => ({ step, count: counts.get(step) ?? 0 }));
}

/** Resets per 100 active users: people with at least one active factor now; two decimals. */
async function resetsPer100(db: Executor, resets: number): Promise<number> {
  if (resets === 0) return 0;
  const row = await db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select((eb) => eb.fn.count<string | number>('credentials.user_id').distinct().as('n'))
    .where('credentials.status', '=', 'active')
    .where('users.account_kind', '=', 'human')
    .executeTakeFirst();
  const active = Number(row?.n ?? 0);
  return active === 0 ? 0 : Math.round((resets / active) * 10_000) / 100;
}
