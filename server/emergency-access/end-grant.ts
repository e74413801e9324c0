import type { EmergencyGrantView } from '../../api/operations/emergency-access.js';
import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { grantByIdOrReference, grantView, OPEN_STATUSES, statusAt } from './grants.js';

/** Ends an open grant at once (its token stops working at the next introspection); `request_closed` when it is not open. */
export async function endGrant(deps: ServiceDeps, grantId: string, actor: string, reason: string): Promise<EmergencyGrantView> {
  const { db, clock } = deps;
  const now = clock.now();
  const at = now.toISOString();
  await transaction(db, async (tx) => {
    const grant = await grantByIdOrReference(tx, grantId);
    const ended = await tx
      .updateTable('emergency_grants')
      .set({ status: 'ended', ended_at: at, ended_by: actor, end_reason: reason })
      .where('id', '=', grantId)
      .where('status', 'in', [...OPEN_STATUSES])
      .where('expires_at', '>', at)
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) !== 1) throw new ApiFailure('request_closed', `this grant is already ${statusAt(grant, now)}`);
    await appendAuditIn(tx, clock, {
      event: 'emergency.ended',
      actor,
      userId: grant.service_user_id,
      details: { grantId, serviceAccount: grant.service_username, owner: grant.owner_username, was: grant.status, reason },
    });
  });
  return grantView(await grantByIdOrReference(db, grantId), now);
}
