import { transaction } from './db/transaction.js';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import type { Db } from './db/open.js';
import type { Clock } from './clock.js';
import { GENESIS, rowHash } from './audit/chain.js';
import { CHECKPOINT_EVERY_ROWS, latestCheckpoint, writeCheckpoint } from './audit/checkpoints.js';
import { currentAuditKey, type AuditKey } from './audit/key.js';
import { verifyAudit } from './audit/verifier.js';

export type AuditEvent =
  | 'user.created'
  | 'operator.role_granted'
  | 'operator.role_revoked'
  | 'operator.signed_in'
  | 'operator.sign_in_refused'
  | 'operator.signed_out'
  | 'operator.token_issued'
  | 'operator.token_revoked'
  /** Provisioning (SCIM, CSV import) changed a person's name, email, role, employment, manager or end date. */
  | 'user.updated'
  /** The leaver path: every factor, device and session ended at once (server/provisioning/leaver.ts). */
  | 'user.deactivated'
  | 'user.reactivated'
  /** SCIM DELETE: deactivated and hidden from SCIM; the row stays for the audit trail. */
  | 'user.deleted'
  | 'code.issued'
  | 'code.refused'
  | 'code.locked'
  /** A code whose session timed out or was ended by the app opened a new one from the same device (enrolment/code-reopening.ts). */
  | 'code.reopened'
  /** A completion spent the person's other live enrolment codes (server/enrolment/spare-enrolments.ts). */
  | 'enrolment.codes_voided'
  /** A completion ended the person's other open sessions that an enrolment code opened (same module). */
  | 'enrolment.sessions_ended'
  | 'session.opened'
  | 'session.completed'
  | 'session.ended'
  /** The app's time per screen of an enrolment session (server/friction/step-timings.ts). */
  | 'session.step_timings'
  | 'factor.registered'
  | 'factor.refused'
  | 'factor.activated'
  | 'device.seen'
  | 'device.revoked'
  | 'device.bound'
  | 'device.rebound'
  | 'device.renamed'
  /** A device reported a posture other than the one held for it (server/posture/admit.ts); the refusal when it falls short of the tier. */
  | 'device.posture_recorded'
  | 'device.posture_refused'
  | 'factor.revoked'
  | 'factor.suspended'
  | 'factor.reinstated'
  /** A mover's factor no longer meets their new tier (server/movers/), or meets it again; suspension at the grace end is factor.suspended. */
  | 'user.role_changed'
  | 'factor.non_compliant'
  | 'factor.compliance_restored'
  | 'factor.removed'
  | 'factor.renamed'
  | 'auth.challenged'
  | 'auth.succeeded'
  | 'auth.refused'
  | 'replacement.completed'
  | 'recovery.codes_issued'
  | 'recovery.codes_regenerated'
  | 'recovery.code_used'
  | 'recovery.code_refused'
  | 'recovery.locked'
  | 'recovery.lock_reset'
  | 'recovery.requested'
  | 'recovery.approved'
  | 'recovery.approval_refused'
  | 'recovery.denied'
  | 'recovery.helpdesk_code_issued'
  | 'recovery.helpdesk_code_used'
  | 'recovery.helpdesk_code_refused'
  | 'recovery.session_opened'
  | 'recovery.completed'
  | 'station.code_issued'
  | 'station.registered'
  | 'station.renewed'
  | 'station.refused'
  | 'station.revoked'
  | 'kiosk.operator_challenged'
  | 'kiosk.confirmed'
  | 'kiosk.refused'
  | 'kiosk.confirmation_used'
  | 'kiosk.confirmations_cancelled'
  /** An operator left or lost what made them one: their live confirmations at every station (server/kiosk/operator-cancellation.ts). */
  | 'kiosk.operator_confirmations_cancelled'
  | 'kiosk.factor_refused'
  | 'device_approval.requested'
  | 'device_approval.code_refused'
  | 'device_approval.approved'
  | 'device_approval.denied'
  | 'device_approval.collected'
  | 'device_approval.collect_refused'
  /** A dropped UPDATE/DELETE trigger on audit_events was put back at start (server/audit/trigger-guard.ts). */
  | 'audit.trigger_restored'
  /** Break-glass accounts (server/break-glass/): a custodian's confirmation, a key's label, the completed ceremony, every use. */
  | 'break_glass.supervised'
  | 'break_glass.key_labelled'
  | 'break_glass.enrolled'
  | 'break_glass.used'
  | 'service_account.owner_set'
  | 'emergency.requested'
  | 'emergency.approved'
  | 'emergency.denied'
  | 'emergency.activated'
  | 'emergency.used'
  | 'emergency.use_refused'
  | 'emergency.ended'
  | 'emergency.expired';

export interface AuditEntry {
  event: AuditEvent;
  actor: string;
  userId: string | null;
  /** Never codes, tokens or keys: identifiers and outcomes only. */
  details?: Record<string, string | number | boolean | null>;
}

/**
 * Appends to the keyed, hash-chained audit trail. Each row's hash is an HMAC under the audit key
 * (server/audit/key.ts) over the previous row's hash and this row, so editing, removing or
 * recomputing rows needs the key as well as the database.
 */
export async function appendAudit(db: Db, clock: Clock, entry: AuditEntry): Promise<void> {
  await transaction(db, (tx) => appendAuditIn(tx, clock, entry));
}

/**
 * The same, inside a transaction the caller already holds (so the events commit with the change
 * they record). Reading the tail and inserting after it is safe because every write transaction is
 * serialised: BEGIN IMMEDIATE on SQLite, one advisory lock on PostgreSQL (server/db/postgres.ts),
 * so two instances never chain onto the same row.
 */
export async function appendAuditIn(tx: Kysely<Database>, clock: Clock, entry: AuditEntry): Promise<void> {
  const key = currentAuditKey();
  const last = await tx.selectFrom('audit_events').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const prev = last?.hash ?? GENESIS;
  const row = {
    at: clock.now().toISOString(),
    event: entry.event,
    actor: entry.actor,
    user_id: entry.userId,
    details: JSON.stringify(entry.details ?? {}),
  };
  const hash = rowHash('hmac', key, prev, row);
  const { seq } = await tx
    .insertInto('audit_events')
    .values({ ...row, prev_hash: prev, hash, chain: 'hmac' })
    .returning('seq')
    .executeTakeFirstOrThrow();
  const checkpoint = await latestCheckpoint(tx);
  if (seq - (checkpoint?.seq ?? 0) >= CHECKPOINT_EVERY_ROWS) await writeCheckpoint(tx, clock, key);
}

/** Returns the sequence number of the first row that breaks the chain (under `key`, by default this process's), or null if intact. */
export async function verifyAuditChain(db: Db, key: AuditKey = currentAuditKey()): Promise<number | null> {
  const { problem } = await verifyAudit(db, key);
  return problem?.seq ?? null;
}
