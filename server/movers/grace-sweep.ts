import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { notify } from '../notifications/outbox.js';

/** The audit trail's actor for factors suspended at the end of a mover's grace period. */
export const MOVER_GRACE_ACTOR = 'system:mover-grace';

/**
 * Suspends every factor whose mover grace period is over (server/movers/reevaluate.ts): never silently kept.
 * Suspended, not revoked, so an agent can review it; the person is told. Each factor in its own transaction,
 * re-read there, so a move back or a removal committed meanwhile wins. Returns how many were suspended.
 */
export async function sweepMoverGrace({ db, clock }: Pick<ServiceDeps, 'db' | 'clock'>): Promise<number> {
  const due = await db
    .selectFrom('factor_compliance')
    .select('credential_id')
    .where('resolved_at', 'is', null)
    .where('deadline', '<=', clock.now().toISOString())
    .execute();
  let suspended = 0;
  for (const { credential_id } of due) {
    const done = await transaction(db, async (tx) => {
      const now = clock.now().toISOString();
      const episode = await tx
        .selectFrom('factor_compliance')
        .selectAll()
        .where('credential_id', '=', credential_id)
        .where('resolved_at', 'is', null)
        .where('deadline', '<=', now)
        .executeTakeFirst();
      if (!episode) return false;
      const factor = await tx.selectFrom('credentials').selectAll().where('id', '=', credential_id).executeTakeFirstOrThrow();
      if (factor.status !== 'active') {
        // Removed, revoked or suspended meanwhile: nothing left to stop.
        await tx
          .updateTable('factor_compliance')
          .set({ resolved_at: now, resolution: 'gone' })
          .where('credential_id', '=', credential_id)
          .execute();
        return false;
      }
      await tx.updateTable('credentials').set({ status: 'suspended', status_changed_at: now }).where('id', '=', credential_id).execute();
      await tx
        .updateTable('factor_compliance')
        .set({ resolved_at: now, resolution: 'suspended' })
        .where('credential_id', '=', credential_id)
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'factor.suspended',
        actor: MOVER_GRACE_ACTOR,
        userId: factor.user_id,
        details: { credentialId: factor.id, factor: factor.factor, reason: 'mover_grace_ended', tier: episode.tier, gap: episode.reason },
      });
      const user = await tx.selectFrom('users').selectAll().where('id', '=', factor.user_id).executeTakeFirstOrThrow();
      await notify(tx, clock, {
        user,
        kind: 'factor.suspended',
        details: {
          credentialId: factor.id,
          factor: factor.factor,
          name: factor.name ?? factor.authenticator_name,
          reason: 'mover_grace_ended',
        },
      });
      return true;
    });
    if (done) suspended += 1;
  }
  return suspended;
}
