import type { OwnedServiceAccount, ServiceOwnerView } from '../../api/operations/emergency-access.js';
import { isActiveUser } from '../accounts/active.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { OPEN_STATUSES } from './grants.js';

/**
 * Names the person answerable for a service account. The owner is an active person's own account
 * (never another service or break-glass account). A new owner ends the old owner's open grants:
 * the right to act for the account went with the ownership.
 */
export async function setServiceOwner(deps: ServiceDeps, service: string, owner: string, actor: string): Promise<ServiceOwnerView> {
  const { db, clock } = deps;
  const now = clock.now();
  const serviceUser = await db.selectFrom('users').selectAll().where('username', '=', service).executeTakeFirst();
  if (!serviceUser) throw new ApiFailure('not_found', `no user ${service}`);
  if (serviceUser.account_kind !== 'service') throw new ApiFailure('invalid_request', `${service} is not a service account`);
  const ownerUser = await db.selectFrom('users').selectAll().where('username', '=', owner).where(isActiveUser(now)).executeTakeFirst();
  if (!ownerUser) throw new ApiFailure('not_found', `no active user ${owner}`);
  if (ownerUser.account_kind !== 'human') throw new ApiFailure('invalid_request', `${owner} is not a person's own account`);
  const at = now.toISOString();
  return transaction(db, async (tx) => {
    const previous = await tx
      .selectFrom('service_account_owners')
      .select('owner_user_id')
      .where('service_user_id', '=', serviceUser.id)
      .executeTakeFirst();
    const row = { owner_user_id: ownerUser.id, assigned_by: actor, assigned_at: at };
    await tx
      .insertInto('service_account_owners')
      .values({ service_user_id: serviceUser.id, ...row })
      .onConflict((oc) => oc.column('service_user_id').doUpdateSet(row))
      .execute();
    let ended = 0;
    if (previous && previous.owner_user_id !== ownerUser.id) {
      const closed = await tx
        .updateTable('emergency_grants')
        .set({ status: 'ended', ended_at: at, ended_by: actor, end_reason: 'the service account has a new owner' })
        .where('service_user_id', '=', serviceUser.id)
        .where('owner_user_id', '=', previous.owner_user_id)
        .where('status', 'in', [...OPEN_STATUSES])
        .executeTakeFirst();
      ended = Number(closed.numUpdatedRows);
    }
    await appendAuditIn(tx, clock, {
      event: 'service_account.owner_set',
      actor,
      userId: serviceUser.id,
      details: { serviceAccount: service, owner, endedGrants: ended },
    });
    return { serviceAccount: service, owner, assignedBy: actor, assignedAt: at };
  });
}

/** The active service accounts `owner` answers for, by name. */
export async function ownedServiceAccounts(ex: Executor, owner: UserRow, now: Date): Promise<OwnedServiceAccount[]> {
  const rows = await ex
    .selectFrom('service_account_owners')
    .innerJoin('users', 'users.id', 'service_account_owners.service_user_id')
    .select(['users.username', 'users.display_name'])
    .where('service_account_owners.owner_user_id', '=', owner.id)
    .where('users.account_kind', '=', 'service')
    .where(isActiveUser(now))
    .orderBy('users.username')
    .execute();
  return rows.map((r) => ({ username: r.username, displayName: r.display_name }));
}

/** Whether `ownerId` is, right now, the owner of the active service account `serviceUserId`. */
export async function stillOwns(ex: Executor, serviceUserId: string, ownerId: string, now: Date): Promise<boolean> {
  const row = await ex
    .selectFrom('service_account_owners')
    .innerJoin('users as service', 'service.id', 'service_account_owners.service_user_id')
    .innerJoin('users', 'users.id', 'service_account_owners.owner_user_id')
    .select('service_account_owners.owner_user_id')
    .where('service_account_owners.service_user_id', '=', serviceUserId)
    .where('service_account_owners.owner_user_id', '=', ownerId)
    .where('service.account_kind', '=', 'service')
    // The owner's own account must be active: a leaver acts for nothing.
    .where(isActiveUser(now))
    .executeTakeFirst();
  if (!row) return false;
  const service = await ex.selectFrom('users').select('id').where('id', '=', serviceUserId).where(isActiveUser(now)).executeTakeFirst();
  return service !== undefined;
}
