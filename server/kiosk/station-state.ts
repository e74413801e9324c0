import type { StationState } from '../../api/kiosk.js';
import type { Executor } from '../context.js';
import type { StationRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';

/** Where a station's registration stands at `now`. */
export function stationState(row: StationRow, now: Date): StationState {
  if (row.revoked_at) return 'revoked';
  if (!row.registered_at || !row.renew_by) return 'pending';
  return row.renew_by <= now.toISOString() ? 'lapsed' : 'registered';
}

/** The station registration a device key holds, live or not; undefined for a key that never was one. */
export async function stationOfKey(ex: Executor, jkt: string): Promise<StationRow | undefined> {
  return ex.selectFrom('stations').selectAll().where('jkt', '=', jkt).executeTakeFirst();
}

/**
 * A key that is, or was, a station never falls back to being an ordinary device: once revoked it is
 * refused everywhere, and once lapsed everything but a new registration waits for one.
 */
export function refuseDeadStation(row: StationRow | undefined, now: Date): void {
  if (!row) return;
  const state = stationState(row, now);
  if (state === 'revoked') throw new ApiFailure('station_revoked', 'this kiosk station was revoked');
  if (state === 'lapsed') throw new ApiFailure('station_not_registered', 'this kiosk station must be registered again');
}
