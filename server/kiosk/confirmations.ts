import type { Executor } from '../context.js';

/** The newest unspent, unexpired confirmation of this new hire at this station, if any. */
export async function liveConfirmation(ex: Executor, stationId: string, userId: string, now: Date) {
  return ex
    .selectFrom('kiosk_confirmations')
    .selectAll()
    .where('station_id', '=', stationId)
    .where('new_hire_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Spends a confirmation on the session it let open; false if another request spent it first. */
export async function spendConfirmationIn(ex: Executor, confirmationId: string, sessionId: string, now: Date): Promise<boolean> {
  const spent = await ex
    .updateTable('kiosk_confirmations')
    .set({ used_at: now.toISOString(), session_id: sessionId })
    .where('id', '=', confirmationId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return spent.numUpdatedRows === 1n;
}
