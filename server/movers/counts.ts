import type { MoverCounts } from '../../api/friction.js';
import type { Executor } from '../context.js';

/**
 * Movers in a period, from the audit trail (so every instance and the report agree): role or employment changes,
 * factors found short of a new tier, restored by a move back, and suspended when the grace ended. Counts only.
 */
export async function moverCounts(db: Executor, from: string, to: string): Promise<MoverCounts> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['event', 'details'])
    .where('event', 'in', ['user.role_changed', 'factor.non_compliant', 'factor.compliance_restored', 'factor.suspended'])
    .where('at', '>=', from)
    .where('at', '<', to)
    .execute();
  const counts: MoverCounts = { moves: 0, nonCompliant: 0, restored: 0, suspended: 0 };
  for (const { event, details } of rows) {
    if (event === 'user.role_changed') counts.moves += 1;
    else if (event === 'factor.non_compliant') counts.nonCompliant += 1;
    else if (event === 'factor.compliance_restored') counts.restored += 1;
    // Factors are suspended for other reasons too (a recovery's review); only the grace's end is a mover's.
    else if ((JSON.parse(details) as { reason?: unknown }).reason === 'mover_grace_ended') counts.suspended += 1;
  }
  return counts;
}
