import { sql } from 'kysely';
import type { RecoveryRequestStatus } from '../../api/recovery.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import type { RecoveryRequestRow, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import { ApiFailure, wrongCode } from '../errors.js';
import { backoffOf, delayAfter, firstSlowed, secondsToWait, tooEarly } from '../limits/backoff.js';
import { triesLeft } from '../limits/tries-left.js';
import { waitEndFor } from '../limits/wait-expression.js';
import { notify } from '../notifications/outbox.js';
import { parseHelpdeskCode, verifyNothing, verifySecret } from './codes.js';

/** What the request is now: a pending request or an approved code past its time has expired. */
export function requestStatus(r: RecoveryRequestRow, now: Date): RecoveryRequestStatus {
  const at = now.toISOString();
  if (r.status === 'pending' && r.expires_at <= at) return 'expired';
  if (r.status === 'approved' && (r.code_expires_at ?? '') <= at) return 'expired';
  return r.status;
}

/** Spends the help-desk code of an approved request, from the device that filed it. */
export async function redeemHelpdeskCode(
  deps: ServiceDeps,
  devices: DeviceRegistry,
  requestId: string,
  typed: string,
  jkt: string,
): Promise<{ user: UserRow; request: RecoveryRequestRow }> {
  const { db, clock, config } = deps;
  const find = (id: string) => db.selectFrom('recovery_requests').selectAll().where('id', '=', id).executeTakeFirst();
  const r = await find(requestId);
  const refused = async (reason: string, userId: string | null) =>
    appendAudit(db, clock, {
      event: 'recovery.helpdesk_code_refused',
      actor: 'anonymous',
      userId,
      details: { requestId, reason, deviceId: await devices.idOf(jkt) },
    });
  if (!r) {
    await verifyNothing(typed);
    throw new ApiFailure('recovery_code_invalid', 'help-desk code not recognised');
  }
  if (r.jkt !== jkt) {
    await refused('other_device', r.user_id);
    throw new ApiFailure('device_mismatch', 'a help-desk code works only on the device that asked for it');
  }
  const status = requestStatus(r, clock.now());
  if (status === 'pending') throw new ApiFailure('request_pending', 'the help desk has not approved this request yet');
  if (status === 'locked') throw new ApiFailure('recovery_locked', 'too many wrong help-desk codes: file a new request');
  if (status === 'expired' && r.status === 'approved')
    throw new ApiFailure('code_expired', 'the help-desk code expired: file a new request');
  if (status !== 'approved' || !r.code_hash || !r.user_id) throw new ApiFailure('request_closed', `the request is ${status}`);
  // Throttled like every code (server/limits/backoff.ts): a wrong code makes the next one wait.
  const now = clock.now();
  const backoff = backoffOf(config);
  const wait = secondsToWait(r.next_try_at, now);
  if (wait > 0) {
    await refused('throttled', r.user_id);
    throw tooEarly('help-desk codes for this request', wait);
  }
  // The try is counted, and the wait it would earn set from the count the database holds at that
  // instant (server/limits/wait-expression.ts), before the code is checked: a try that raced past
  // the wait check above finds the wait set and is refused here.
  const count = sql<number>`(${sql.ref('code_attempts')} + 1)`;
  const reserved = await db
    .updateTable('recovery_requests')
    .set({ code_attempts: count, next_try_at: waitEndFor(count, now, backoff) })
    .where('id', '=', r.id)
    .where('status', '=', 'approved')
    // Tries in flight that used up the count leave nothing for the rest: no try past the limit is ever checked.
    .where('code_attempts', '<', config.helpdeskCodeMaxAttempts)
    .where((eb) => eb.or([eb('next_try_at', 'is', null), eb('next_try_at', '<=', now.toISOString())]))
    .returning('code_attempts')
    .executeTakeFirst();
  if (!reserved) {
    const current = await find(r.id);
    if (current?.status === 'locked' || (current?.status === 'approved' && current.code_attempts >= config.helpdeskCodeMaxAttempts)) {
      // The count is spent: the request is locked, whichever try in flight gets there first.
      await db
        .updateTable('recovery_requests')
        .set({ status: 'locked' })
        .where('id', '=', r.id)
        .where('status', '=', 'approved')
        .where('code_attempts', '>=', config.helpdeskCodeMaxAttempts)
        .execute();
      await refused('locked', r.user_id);
      throw new ApiFailure('recovery_locked', 'too many wrong help-desk codes: file a new request');
    }
    if (current?.status !== 'approved') throw new ApiFailure('request_closed', 'the request was decided meanwhile');
    await refused('throttled', r.user_id);
    throw tooEarly('help-desk codes for this request', Math.max(1, secondsToWait(current.next_try_at, now)));
  }
  const attempts = reserved.code_attempts;
  const secret = parseHelpdeskCode(typed);
  const matches =
    attempts <= config.helpdeskCodeMaxAttempts && (secret ? await verifySecret(secret, r.code_hash) : await verifyNothing(typed));
  if (!matches) {
    if (attempts >= config.helpdeskCodeMaxAttempts)
      await db.updateTable('recovery_requests').set({ status: 'locked' }).where('id', '=', r.id).where('status', '=', 'approved').execute();
    await refused(attempts >= config.helpdeskCodeMaxAttempts ? 'locked' : 'wrong', r.user_id);
    if (attempts < config.helpdeskCodeMaxAttempts && firstSlowed(attempts, backoff)) {
      const owner = await db.selectFrom('users').selectAll().where('id', '=', r.user_id).executeTakeFirst();
      if (owner)
        await notify(db, clock, {
          user: owner,
          kind: 'codes.guessed',
          details: { codes: 'help-desk', requestId: r.id, failures: attempts, waitSeconds: delayAfter(attempts, backoff) },
        });
    }
    if (attempts > config.helpdeskCodeMaxAttempts)
      throw new ApiFailure('recovery_locked', 'too many wrong help-desk codes: file a new request');
    throw wrongCode(
      'recovery_code_invalid',
      'help-desk code not recognised',
      triesLeft(attempts, backoff.freeFailures, config.helpdeskCodeMaxAttempts),
    );
  }
  const userId = r.user_id;
  const user = await transaction(db, async (tx) => {
    const claim = await tx
      .updateTable('recovery_requests')
      .set({ status: 'redeemed', redeemed_at: clock.now().toISOString(), code_hash: null })
      .where('id', '=', r.id)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    if (claim.numUpdatedRows !== 1n) throw new ApiFailure('request_closed', 'the help-desk code was already used');
    const owner = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    await appendAuditIn(tx, clock, {
      event: 'recovery.helpdesk_code_used',
      actor: owner.username,
      userId: owner.id,
      details: { requestId: r.id, deviceId: r.device_id },
    });
    return owner;
  });
  return { user, request: r };
}
