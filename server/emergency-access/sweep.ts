import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { grantsQuery, OPEN_STATUSES } from './grants.js';

/** The audit trail's actor for grants that ran out by themselves. */
export const EMERGENCY_EXPIRY_ACTOR = 'system:emergency-expiry';

/**
 * Marks every open grant past its end expired, each with its audit event: a lapsed request, an
 * approval never collected, a window over. Introspection already refuses them by time; this
 * records that they ended. Returns how many.
 */
export async function sweepEmergencyGrants({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>): Promise<number> {
  const due = await grantsQuery(db)
    .where('emergency_grants.status', 'in', [...OPEN_STATUSES])
    .where('emergency_grants.expires_at', '<=', clock.now().toISOString())
    .execute();
  let expired = 0;
  for (const grant of due) {
    const done = await transaction(db, async (tx) => {
      const marked = await tx
        .updateTable('emergency_grants')
        .set({ status: 'expired' })
        .where('id', '=', grant.id)
        .where('status', '=', grant.status)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      await appendAuditIn(tx, clock, {
        event: 'emergency.expired',
        actor: EMERGENCY_EXPIRY_ACTOR,
        userId: grant.service_user_id,
        details: {
          grantId: grant.id,
          serviceAccount: grant.service_username,
          owner: grant.owner_username,
          was: grant.status,
          uses: grant.uses,
        },
      });
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
