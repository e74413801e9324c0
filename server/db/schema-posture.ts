/** Times are ISO-8601 UTC strings, as in server/db/schema.ts. */
type Iso = string;

/**
 * The posture a device last reported (api/posture.ts DevicePosture as JSON), one row per device
 * record. Kept beside `devices`, not in it, so every existing reader and writer of a device stays
 * as it was.
 */
export interface DevicePostureTable {
  device_id: string;
  /** DevicePosture as JSON, every signal marked as the server holds it (self-reported). */
  posture: string;
  /** 'self-reported' until a verified source exists (api/posture.ts). */
  source: 'self-reported' | 'verified';
  /** When the posture was first reported as it is now. */
  reported_at: Iso;
  /** When the device last reported it (unchanged reports move only this). */
  last_seen_at: Iso;
}

/** The tables of device posture; part of Database (server/db/schema.ts). */
export interface PostureTables {
  device_posture: DevicePostureTable;
}
