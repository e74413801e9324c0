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
});
export type FunnelReport = z.infer<typeof FunnelReport>;
