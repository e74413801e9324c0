import { addSeconds } from '../clock.js';
import type { Executor } from '../context.js';

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
export async function openCeremonySessions(ex: Executor, userId: string, now: Date, idleSeconds: number): Promise<OpenCeremonySession[]> {
  const at = now.toISOString();
  const rows = await ex
    .selectFrom('sessions')
    .leftJoin('devices', 'devices.id', 'sessions.device_id')
    .leftJoin('stations', 'stations.id', 'sessions.station_id')
    .select([
      'sessions.id',
      'sessions.created_at',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'sessions.station_id',
      'devices.name as device_name',
      'devices.label as device_label',
      'stations.name as station_name',
    ])
    .where('sessions.user_id', '=', userId)
    .where('sessions.purpose', 'in', ['enrol', 'replace'])
    .where('sessions.completed_at', 'is', null)
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', at)
    .orderBy('sessions.created_at', 'desc')
    .orderBy('sessions.id')
    .execute();
  return rows
    .map((r) => {
      const idleEnd = addSeconds(new Date(r.last_seen_at ?? r.created_at), idleSeconds).toISOString();
      return {
        id: r.id,
        openedAt: r.created_at,
        expiresAt: idleEnd < r.expires_at ? idleEnd : r.expires_at,
        stationId: r.station_id,
        device: r.device_label ?? r.device_name ?? null,
        station: r.station_name ?? null,
      };
    })
    .filter((s) => s.expiresAt > at);
}
