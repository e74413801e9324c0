import type { Executor } from '../context.js';
import type { SessionStore } from '../enrolment/sessions.js';

/** A session that can add keys to a break-glass account, as its custodians need to recognise it. */
export interface OpenCeremonySession {
  id: string;
  openedAt: string;
  /** The earlier of its lifetime and its idle limit. */
  expiresAt: string;
  stationId: string | null;
  device: string | null;
  station: string | null;
}

/**
 * The account's sessions that add keys and could still complete, newest first. A session past its
 * idle limit is gone for the app too (every session call refuses it), so it is not listed.
 */
export async function openCeremonySessions(
  ex: Executor,
  sessions: Pick<SessionStore, 'effectiveExpiry'>,
  userId: string,
  now: Date,
): Promise<OpenCeremonySession[]> {
  const at = now.toISOString();
  const rows = await ex
    .selectFrom('sessions')
    .leftJoin('devices', 'devices.id', 'sessions.device_id')
    .leftJoin('stations', 'stations.id', 'sessions.station_id')
    .selectAll('sessions')
    .select(['devices.name as device_name', 'devices.label as device_label', 'stations.name as station_name'])
    .where('sessions.user_id', '=', userId)
    .where('sessions.purpose', 'in', ['enrol', 'replace'])
    .where('sessions.completed_at', 'is', null)
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', at)
    .orderBy('sessions.created_at', 'desc')
    .orderBy('sessions.id')
    .execute();
  return rows
    .map((r) => ({
      id: r.id,
      openedAt: r.created_at,
      // The same end every session call applies (SessionStore), so what custodians see is what the app has.
      expiresAt: sessions.effectiveExpiry(r),
      stationId: r.station_id,
      device: r.device_label ?? r.device_name ?? null,
      station: r.station_name ?? null,
    }))
    .filter((s) => s.expiresAt > at);
}
