import { appendAuditIn } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';

/** Why an operator's confirmations were cancelled, for the audit trail. */
export type OperatorCancelReason = 'operator_left' | 'operator_role_revoked' | 'hr_role_changed';

/**
 * Cancels every live (unspent, unexpired) confirmation the operator gave, at any station, audited when there were any.
 * Runs inside the transaction of the change that ended their trust (a leaver, a role taken away), so a
 * code typed in a moment later finds the confirmation cancelled; the check when a confirmation is used
 * (operatorStillTrusted) refuses it anyway, this makes the end visible in the trail. Returns their ids.
 */
export async function cancelOperatorConfirmationsIn(
  ex: Executor,
  clock: Clock,
  change: { operatorId: string; actor: string; reason: OperatorCancelReason },
): Promise<string[]> {
  const open = await ex
    .selectFrom('kiosk_confirmations')
    .select('id')
    .where('operator_id', '=', change.operatorId)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    // An expired one opens nothing already: cancelling it would count a confirmation that was never live.
    .where('expires_at', '>', clock.now().toISOString())
    .orderBy('created_at')
    .execute();
  const ids = open.map((o) => o.id);
  if (ids.length === 0) return [];
  await ex
    .updateTable('kiosk_confirmations')
    .set({ cancelled_at: clock.now().toISOString() })
    .where('id', 'in', ids)
    .where('used_at', 'is', null)
    .execute();
  await appendAuditIn(ex, clock, {
    event: 'kiosk.operator_confirmations_cancelled',
    actor: change.actor,
    userId: change.operatorId,
    details: { operatorId: change.operatorId, reason: change.reason, cancelled: ids.join(','), count: ids.length },
  });
  return ids;
}
