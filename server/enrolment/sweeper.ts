import { sweepEmergencyGrants } from '../emergency-access/sweep.js';
import { utcDay } from '../accounts/active.js';
import { addSeconds } from '../clock.js';
import type { Executor, ServiceDeps } from '../context.js';
import { sweepMoverGrace } from '../movers/grace-sweep.js';
import { deactivateUser } from '../provisioning/leaver.js';

type SweepDeps = Pick<ServiceDeps, 'db' | 'clock' | 'config'>;

/** Sessions that can never complete: expired, idle past the limit, or ended. */
function deadSessions(ex: Executor, { clock, config }: Omit<SweepDeps, 'db'>, userId?: string) {
  const now = clock.now();
  const idleCutoff = addSeconds(now, -config.sessionIdleSeconds).toISOString();
  let query = ex
    .selectFrom('sessions')
    .select('id')
    .where('completed_at', 'is', null)
    .where((eb) =>
      eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_seen_at', '<=', idleCutoff), eb('ended_at', 'is not', null)]),
    );
  if (userId) query = query.where('user_id', '=', userId);
  return query;
}

/**
 * Removes factors left pending by sessions that expired, idled out or ended (for one user, or for
 * everyone): they were never usable and never will be, and must not stand in a person's way.
 */
export async function sweepAbandonedFactors(deps: SweepDeps, userId?: string, ex: Executor = deps.db): Promise<number> {
  const result = await ex
    .deleteFrom('credentials')
    .where('status', '=', 'pending')
    .where('session_id', 'in', deadSessions(ex, deps, userId))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets DPoP proof identifiers whose proofs are too old to be accepted anyway. */
export async function sweepExpiredProofs({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>): Promise<number> {
  const result = await db.deleteFrom('dpop_proofs').where('expires_at', '<=', clock.now().toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets per-client counters of windows that have ended (server/limits/client-limiter.ts). */
export async function sweepEndedLimits({ db, clock, config }: SweepDeps): Promise<number> {
  const cutoff = addSeconds(clock.now(), -config.clientLimitWindowSeconds).toISOString();
  const result = await db.deleteFrom('client_limits').where('window_start', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Wrong tries are forgotten after this long without another: the waits they earned ended long ago. */
export const IDLE_THROTTLE_DAYS = 30;

/** Forgets attempt counters nobody has touched for IDLE_THROTTLE_DAYS, unless they still hold a lock. */
export async function sweepIdleThrottles({ db, clock }: Pick<SweepDeps, 'db' | 'clock'>): Promise<number> {
  const now = clock.now();
  const result = await db
    .deleteFrom('attempt_throttles')
    .where('updated_at', '<', addSeconds(now, -IDLE_THROTTLE_DAYS * 86_400).toISOString())
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now.toISOString())]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The audit trail's actor for contractors the sweeper lets go on their end date. */
export const END_DATE_ACTOR = 'system:end-date';

/**
 * Contractors whose last day (end_date) is over go through the leaver path: every factor, device and session
 * ends, as if their identity provider had deactivated them. Every way in already refuses them from the day
 * after (server/accounts/active.ts); this makes it so in the records too. Returns how many.
 */
export async function sweepEndedContractors({ db, clock }: Pick<SweepDeps, 'db' | 'clock'>): Promise<number> {
  const ended = await db
    .selectFrom('user_provisioning')
    .innerJoin('users', 'users.id', 'user_provisioning.user_id')
    .select('users.id')
    .where('users.employment_type', '=', 'contractor')
    .where('user_provisioning.end_date', '<', utcDay(clock.now()))
    .where('user_provisioning.deactivated_at', 'is', null)
    .execute();
  let swept = 0;
  for (const { id } of ended) {
    if (await deactivateUser({ db, clock }, id, END_DATE_ACTOR, { reason: 'end_date' })) swept += 1;
  }
  return swept;
}

export interface Sweeper {
  stop(): void;
}

/**
 * Sweeps every `intervalMs` for as long as the server runs. A failed sweep is reported and the next
 * one tries again: leftovers are already harmless (nothing counts them), the sweep keeps tables small.
 */
export function startSweeper(deps: SweepDeps, intervalMs: number, report: (error: unknown) => void): Sweeper {
  const timer = setInterval(() => {
    void Promise.all([
      sweepAbandonedFactors(deps),
      sweepExpiredProofs(deps),
      sweepEndedLimits(deps),
      sweepIdleThrottles(deps),
      sweepEndedContractors(deps),
      sweepMoverGrace(deps),
      sweepEmergencyGrants(deps),
    ]).catch(report);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
