import type { EmergencyGrantStatus, EmergencyGrantView } from '../../api/operations/emergency-access.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';
import type { Principal } from '../operators/principal.js';
import { rolesOf } from '../operators/roles.js';
import { grantByIdOrReference, grantsQuery, grantView, statusAt } from './grants.js';
import { stillOwns } from './owners.js';
import { endGrant } from './end-grant.js';

/** How many grants the report lists at most, newest first. */
const REPORT_LIMIT = 500;

/**
 * The second person: an account holding the admin role, deciding as themselves. Not the bootstrap
 * token (no person), not the owner (nobody approves their own access).
 */
async function secondPerson(deps: ServiceDeps, principal: Principal, ownerId: string): Promise<string> {
  if (!principal.accountId)
    throw new ApiFailure('forbidden', 'a person decides emergency access with their own account, not the bootstrap token');
  if (principal.accountId === ownerId) throw new ApiFailure('forbidden', 'nobody approves their own emergency access: another admin must');
  if (!(await rolesOf(deps.db, principal.accountId)).includes('admin'))
    throw new ApiFailure('forbidden', 'only a person holding the admin role decides emergency access');
  return principal.accountId;
}

export async function listGrants(deps: ServiceDeps, status?: EmergencyGrantStatus): Promise<EmergencyGrantView[]> {
  const now = deps.clock.now();
  const rows = await grantsQuery(deps.db).orderBy('emergency_grants.requested_at', 'desc').limit(REPORT_LIMIT).execute();
  const views = rows.map((r) => grantView(r, now));
  return status ? views.filter((v) => v.status === status) : views;
}

export async function decideGrant(
  deps: ServiceDeps,
  typed: string,
  decision: 'approve' | 'deny',
  reason: string,
  principal: Principal,
): Promise<EmergencyGrantView> {
  const { db, clock } = deps;
  const now = clock.now();
  const at = now.toISOString();
  const grant = await grantByIdOrReference(db, typed);
  const deciderId = await secondPerson(deps, principal, grant.owner_user_id);
  if (statusAt(grant, now) !== 'requested') throw new ApiFailure('request_closed', `this request is already ${statusAt(grant, now)}`);
  if (decision === 'approve' && !(await stillOwns(db, grant.service_user_id, grant.owner_user_id, now)))
    throw new ApiFailure('request_closed', `${grant.owner_username} is no longer the active owner of ${grant.service_username}`);
  await transaction(db, async (tx) => {
    const decided = await tx
      .updateTable('emergency_grants')
      .set({
        status: decision === 'approve' ? 'approved' : 'denied',
        decided_by: deciderId,
        decided_by_actor: principal.actor,
        decided_at: at,
        decision_reason: reason,
        // The window starts at approval: an approval nobody collects still ends on time.
        ...(decision === 'approve' ? { expires_at: addSeconds(now, grant.minutes * 60).toISOString() } : {}),
      })
      .where('id', '=', grant.id)
      .where('status', '=', 'requested')
      .where('expires_at', '>', at)
      .executeTakeFirst();
    if (Number(decided.numUpdatedRows) !== 1) throw new ApiFailure('request_closed', 'this request was decided or lapsed meanwhile');
    await appendAuditIn(tx, clock, {
      event: decision === 'approve' ? 'emergency.approved' : 'emergency.denied',
      actor: principal.actor,
      userId: grant.service_user_id,
      details: { grantId: grant.id, serviceAccount: grant.service_username, owner: grant.owner_username, minutes: grant.minutes, reason },
    });
    const owner = await tx.selectFrom('users').selectAll().where('id', '=', grant.owner_user_id).executeTakeFirstOrThrow();
    await notify(tx, clock, {
      user: owner,
      kind: decision === 'approve' ? 'emergency.approved' : 'emergency.denied',
      details: { serviceAccount: grant.service_username, reference: grant.reference },
    });
  });
  return grantView(await grantByIdOrReference(db, grant.id), now);
}

/** An admin ends a grant early (any admin, the owner included: ending is never the risky direction). */
export async function endGrantAsAdmin(deps: ServiceDeps, typed: string, reason: string, principal: Principal): Promise<EmergencyGrantView> {
  const grant = await grantByIdOrReference(deps.db, typed);
  return endGrant(deps, grant.id, principal.actor, reason);
}
