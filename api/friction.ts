import { z } from 'zod';

/**
 * Friction as a security metric: where people drop out of enrolment, how long it takes, what is
 * refused and how often people need recovering. Counts only: no username, code or device name.
 */
export const FunnelStage = z.enum(['codes_issued', 'sessions_opened', 'factors_registered', 'completed']);
export type FunnelStage = z.infer<typeof FunnelStage>;

const Count = z.number().int().nonnegative();
const StageCounts = z.array(z.object({ stage: FunnelStage, count: Count }));

export const FunnelQuery = z.object({
  /** How far back: `30d`, `12h`, `90m`; default 30 days. */
  since: z
    .string()
    .regex(/^\d{1,4}[dhm]$/, 'a number and d, h or m, e.g. 30d')
    .default('30d'),
});
export type FunnelQuery = z.input<typeof FunnelQuery>;

/** Movers in the period (server/movers/): role or employment changes, factors short of the new tier, restored, suspended at the grace's end. */
export const MoverCounts = z.object({ moves: Count, nonCompliant: Count, restored: Count, suspended: Count });
export type MoverCounts = z.infer<typeof MoverCounts>;

export const FunnelReport = z.object({
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  stages: StageCounts,
  /** The same funnel per policy tier and, from registration on, per factor kind. */
  byTier: z.array(z.object({ tier: z.string(), factorKind: z.string().nullable(), stages: StageCounts })),
  /** From the code's issue to the first completed enrolment: cumulative buckets in seconds (`le: null` is +Inf). */
  timeToEnrol: z.object({
    buckets: z.array(z.object({ le: z.number().nullable(), count: Count })),
    medianSeconds: z.number().nullable(),
    p90Seconds: z.number().nullable(),
  }),
  /** Where sessions that never completed stopped (the app's last reported step). */
  dropOffByStep: z.array(z.object({ step: z.string(), count: Count })),
  refusals: z.array(z.object({ reason: z.string(), count: Count })),
  recoveries: z.array(z.object({ method: z.string(), count: Count })),
  helpdesk: z.object({ requests: Count, approved: Count, denied: Count, medianSecondsToApproval: z.number().nullable() }),
  /** Recoveries and factor replacements per 100 active users over the period. */
  resetsPer100Users: z.number().nonnegative(),
  movers: MoverCounts,
});
export type FunnelReport = z.infer<typeof FunnelReport>;

/**
 * The screens of the enrolment journey the app times: typing the code, "Is this you?", the key's
 * ceremony, and the recovery codes. A closed set, so a step is never free text.
 */
export const JourneyStep = z.enum(['code', 'confirm', 'ceremony', 'codes']);
export type JourneyStep = z.infer<typeof JourneyStep>;

/** The most visits one session reports (a ceremony retried a few times stays well within it). */
export const MAX_STEP_TIMINGS = 16;
/** A day: longer than any session lives, so a bigger value is a broken clock, not a slow person. */
export const MAX_STEP_MS = 86_400_000;

/**
 * The app's time per screen for one enrolment session, in the order the person saw them: a step and
 * whole milliseconds, nothing else (strict: no name, no free text).
 */
export const StepTimings = z
  .array(z.strictObject({ step: JourneyStep, ms: z.number().int().nonnegative().max(MAX_STEP_MS) }))
  .min(1)
  .max(MAX_STEP_TIMINGS);
export type StepTimings = z.infer<typeof StepTimings>;
