import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';

/** Removes factors left pending by sessions that expired, idled out or ended: they were never usable and never will be. */
export async function sweepAbandonedFactors({ db, clock, config }: Pick<ServiceDeps, 'db' | 'clock' | 'config'>): Promise<number> {
  const now = clock.now();
  const idleCutoff = addSeconds(now, -config.sessionIdleSeconds).toISOString();
  const stale = db
    .selectFrom('sessions')
    .select('id')
    .where('completed_at', 'is', null)
    .where((eb) =>
      eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_seen_at', '<=', idleCutoff), eb('ended_at', 'is not', null)]),
    );
  const result = await db.deleteFrom('credentials').where('status', '=', 'pending').where('session_id', 'in', stale).executeTakeFirst();
  return Number(result.numDeletedRows);
}
