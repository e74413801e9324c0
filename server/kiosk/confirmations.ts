import type { Executor } from '../context.js';
import type { KioskConfirmationsTable } from '../db/schema.js';
import { operatorStillTrusted } from './operator-trust.js';

/** Why a confirmation named at a station does not let this person's code open a session there. */
export type ConfirmationMismatch =
  'missing' | 'unknown' | 'other_station' | 'other_person' | 'used' | 'operator_no_longer_trusted' | 'cancelled' | 'expired';

/** Where and for whom a code is being used, and who counts as an operator (FIRSTKEY_KIOSK_OPERATOR_ROLES). */
export interface ConfirmationUse {
  stationId: string;
  userId: string;
  now: Date;
  kioskOperatorRoles: readonly string[];
}

/**
 * The confirmation the station named for this new hire, if it is the one that lets the code open a
 * session: given at this station, for this person, unspent, by an operator still trusted with the key
 * they confirmed with, not replaced by a later one, unexpired. The station must name it: the newest one
 * for the person is not enough, because a confirmation for someone else given since means the operator
 * has moved on to that person.
 */
export async function namedConfirmation(
  ex: Executor,
  confirmationId: string | undefined,
  use: ConfirmationUse,
): Promise<{ ok: true; confirmation: KioskConfirmationsTable } | { ok: false; reason: ConfirmationMismatch }> {
  const { stationId, userId, now } = use;
  if (!confirmationId) return { ok: false, reason: 'missing' };
  const row = await ex.selectFrom('kiosk_confirmations').selectAll().where('id', '=', confirmationId).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.station_id !== stationId) return { ok: false, reason: 'other_station' };
  if (row.new_hire_id !== userId) return { ok: false, reason: 'other_person' };
  if (row.used_at) return { ok: false, reason: 'used' };
  // Before `cancelled`: a leaver's or a revoked operator's confirmations are cancelled too, and the
  // trail should name the cause. It also covers a confirmation committed just after that cancellation.
  if (!(await operatorStillTrusted(ex, use.kioskOperatorRoles, row, now))) return { ok: false, reason: 'operator_no_longer_trusted' };
  if (row.cancelled_at) return { ok: false, reason: 'cancelled' };
  if (row.expires_at <= now.toISOString()) return { ok: false, reason: 'expired' };
  return { ok: true, confirmation: row };
}

/** Spends a confirmation on the session it let open; false if another request spent or cancelled it first. */
export async function spendConfirmationIn(ex: Executor, confirmationId: string, sessionId: string, now: Date): Promise<boolean> {
  const spent = await ex
    .updateTable('kiosk_confirmations')
    .set({ used_at: now.toISOString(), session_id: sessionId })
    .where('id', '=', confirmationId)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .executeTakeFirst();
  return spent.numUpdatedRows === 1n;
}

/** Retires every unspent confirmation of the station (expired ones too, so none lingers); returns their ids. */
export async function cancelUnusedConfirmationsIn(ex: Executor, stationId: string, now: Date): Promise<string[]> {
  const open = await ex
    .selectFrom('kiosk_confirmations')
    .select('id')
    .where('station_id', '=', stationId)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .execute();
  const ids = open.map((o) => o.id);
  if (ids.length === 0) return [];
  await ex
    .updateTable('kiosk_confirmations')
    .set({ cancelled_at: now.toISOString() })
    .where('id', 'in', ids)
    .where('used_at', 'is', null)
    .execute();
  return ids;
}
