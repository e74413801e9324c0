import type { Transaction } from 'kysely';
import { appendAuditIn } from '../audit.js';
import type { Clock } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import type { Database } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { cancelOperatorConfirmationsIn } from '../kiosk/operator-cancellation.js';

type LeaverDeps = Pick<ServiceDeps, 'db' | 'clock'>;

/** What one deactivation ended: the audit trail's `user.deactivated` details. */
export interface LeaverCounts {
  factors: number;
  devices: number;
  sessions: number;
  enrolmentCodes: number;
  recoveryCodes: number;
  recoveryRequests: number;
  deviceApprovals: number;
  /** Help-desk console sessions still live (an agent who leaves). */
  consoleSessions: number;
  /** Per-account API tokens not yet revoked. */
  apiTokens: number;
  /** Operator roles dropped: a person who comes back gets them again only from an admin. */
  operatorRoles: number;
  /** Open emergency-access grants ended: the person's as owner, or every one for a retired service account. */
  emergencyGrants: number;
}

export interface DeactivateOptions {
  /** SCIM DELETE: also hidden from SCIM from now on. */
  deleted?: boolean;
  /** Why, for the audit trail: `scim`, `import`, `cli`, `end_date`. */
  reason: string;
}

const count = (result: { numUpdatedRows: bigint }) => Number(result.numUpdatedRows);

/** Marks the person as left: the first write of the leaver's transaction. */
async function markLeft(tx: Transaction<Database>, userId: string, now: string, deleted: boolean): Promise<boolean> {
  // The user's row lock first, as every way in takes it (assertUserActive): a session being opened now either
  // commits before this goes on, and is ended below, or waits and then finds the person gone.
  await tx.updateTable('users').set({ id: userId }).where('id', '=', userId).execute();
  const before = await tx
    .selectFrom('user_provisioning')
    .select(['deactivated_at', 'deleted_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const deletedAt = deleted ? (before?.deleted_at ?? now) : (before?.deleted_at ?? null);
  await tx
    .insertInto('user_provisioning')
    .values({
      user_id: userId,
      external_id: null,
      manager: null,
      end_date: null,
      deactivated_at: now,
      deleted_at: deletedAt,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ deactivated_at: before?.deactivated_at ?? now, deleted_at: deletedAt, updated_at: now }),
    )
    .execute();
  return !before?.deactivated_at;
}

/** Ends everything the person could still come in with. Runs inside the caller's transaction. */
async function endEverything(tx: Transaction<Database>, userId: string, now: string): Promise<LeaverCounts> {
  const factors = await tx
    .updateTable('credentials')
    .set({ status: 'revoked', status_changed_at: now })
    .where('user_id', '=', userId)
    .where('status', '!=', 'revoked')
    .executeTakeFirst();
  // Their own computers and phones: a kiosk is never bound to a person, so it keeps working for others.
  const bound = tx.selectFrom('device_bindings').select('device_id').where('user_id', '=', userId).where('released_at', 'is', null);
  const devices = await tx
    .updateTable('devices')
    .set({ revoked_at: now })
    .where('id', 'in', bound)
    .where('kind', '=', 'personal')
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  await tx
    .updateTable('device_bindings')
    .set({ released_at: now })
    .where('user_id', '=', userId)
    .where('released_at', 'is', null)
    .execute();
  const sessions = await tx
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  // Sessions that had already lapsed end too, uncounted: nothing can reopen them.
  await tx.updateTable('sessions').set({ ended_at: now }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
  // Expiring a code ends it and any reopening of its session (code-reopening.ts asks for a live code).
  const enrolmentCodes = await tx
    .updateTable('enrolment_codes')
    .set({ expires_at: now })
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  await tx.updateTable('enrolment_codes').set({ expires_at: now }).where('user_id', '=', userId).where('expires_at', '>', now).execute();
  const recoveryCodes = await tx
    .updateTable('recovery_codes')
    .set({ replaced_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('replaced_at', 'is', null)
    .executeTakeFirst();
  const recoveryRequests = await tx
    .updateTable('recovery_requests')
    .set({ status: 'denied', deny_reason: 'account deactivated', decided_at: now, code_hash: null })
    .where('user_id', '=', userId)
    .where('status', 'in', ['pending', 'approved'])
    .executeTakeFirst();
  const deviceApprovals = await tx
    .updateTable('device_approvals')
    .set({ status: 'withdrawn', code_hash: null })
    .where('user_id', '=', userId)
    .where('status', 'in', ['pending', 'approved'])
    .executeTakeFirst();
  // An agent who leaves: their console and scripts stop too, and stay stopped should they be re-activated.
  const consoleSessions = await tx
    .updateTable('console_sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .where('idle_ends_at', '>', now)
    .executeTakeFirst();
  await tx.updateTable('console_sessions').set({ ended_at: now }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
  const apiTokens = await tx
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  // Lapsed ones are revoked too, uncounted, as lapsed sessions end above.
  await tx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  // Roles go with the person: re-activated (by SCIM, perhaps with another email address), they would
  // otherwise come back as an operator through nothing but a new invitation.
  const operatorRoles = await tx.deleteFrom('operator_roles').where('user_id', '=', userId).executeTakeFirst();
  const emergencyGrants = await tx
    .updateTable('emergency_grants')
    .set({ status: 'ended', ended_at: now, ended_by: 'system:leaver', end_reason: 'the owner left, or the service account was retired' })
    // Theirs as owner, or, for a service account that is retired, every grant to act for it.
    .where((eb) => eb.or([eb('owner_user_id', '=', userId), eb('service_user_id', '=', userId)]))
    .where('status', 'in', ['requested', 'approved', 'active'])
    .executeTakeFirst();
  // An assertion or operator confirmation already under way finds its ceremony spent.
  await tx.updateTable('assertion_ceremonies').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
  await tx
    .updateTable('kiosk_confirmations')
    .set({ cancelled_at: now })
    .where('new_hire_id', '=', userId)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .execute();
  return {
    factors: count(factors),
    devices: count(devices),
    sessions: count(sessions),
    enrolmentCodes: count(enrolmentCodes),
    recoveryCodes: count(recoveryCodes),
    recoveryRequests: count(recoveryRequests),
    deviceApprovals: count(deviceApprovals),
    consoleSessions: count(consoleSessions),
    apiTokens: count(apiTokens),
    operatorRoles: Number(operatorRoles.numDeletedRows),
    emergencyGrants: count(emergencyGrants),
  };
}

/**
 * The leaver path, inside the caller's transaction: the person is marked as left, and every factor, device,
 * session, code and open request of theirs ends in the same commit, audited with the actor and the counts.
 * A person already deactivated changes nothing (answers null) unless this also deletes them.
 */
export async function deactivateIn(
  tx: Transaction<Database>,
  clock: Clock,
  userId: string,
  actor: string,
  options: DeactivateOptions,
): Promise<LeaverCounts | null> {
  const now = clock.now().toISOString();
  const before = await tx.selectFrom('user_provisioning').select('deleted_at').where('user_id', '=', userId).executeTakeFirst();
  const newlyLeft = await markLeft(tx, userId, now, options.deleted === true);
  // Run even when already marked: whatever slipped in since (nothing should) ends now too.
  const counts = await endEverything(tx, userId, now);
  // New hires they confirmed at a kiosk station are sent back to an operator who is still here.
  await cancelOperatorConfirmationsIn(tx, clock, { operatorId: userId, actor, reason: 'operator_left' });
  if (newlyLeft) {
    await appendAuditIn(tx, clock, { event: 'user.deactivated', actor, userId, details: { reason: options.reason, ...counts } });
  }
  if (options.deleted && !before?.deleted_at) {
    await appendAuditIn(tx, clock, { event: 'user.deleted', actor, userId, details: { reason: options.reason } });
  }
  return newlyLeft ? counts : null;
}

/** deactivateIn in a transaction of its own. */
export function deactivateUser(deps: LeaverDeps, userId: string, actor: string, options: DeactivateOptions): Promise<LeaverCounts | null> {
  return transaction(deps.db, (tx) => deactivateIn(tx, deps.clock, userId, actor, options));
}

/**
 * Makes a person who left active again, with nothing to come in with: every factor stayed revoked, so
 * they enrol anew with a new code. A deleted person stays deleted (SCIM creates them again instead).
 * Answers false when they were active already.
 */
export async function reactivateIn(
  tx: Transaction<Database>,
  clock: Clock,
  userId: string,
  actor: string,
  reason: string,
): Promise<boolean> {
  const now = clock.now().toISOString();
  const state = await tx.selectFrom('user_provisioning').select('deactivated_at').where('user_id', '=', userId).executeTakeFirst();
  if (!state?.deactivated_at) return false;
  await tx
    .updateTable('user_provisioning')
    .set({ deactivated_at: null, deleted_at: null, updated_at: now })
    .where('user_id', '=', userId)
    .execute();
  const factors = await tx
    .selectFrom('credentials')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  await appendAuditIn(tx, clock, { event: 'user.reactivated', actor, userId, details: { reason, activeFactors: Number(factors?.n ?? 0) } });
  return true;
}

export function reactivateUser(deps: LeaverDeps, userId: string, actor: string, reason: string): Promise<boolean> {
  return transaction(deps.db, (tx) => reactivateIn(tx, deps.clock, userId, actor, reason));
}
