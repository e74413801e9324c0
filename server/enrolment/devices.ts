import type { DeviceSignals } from '../../api/enrolment.js';
import { appendAudit } from '../audit.js';
import type { DeviceRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { newId } from '../secrets.js';
import type { EnrolmentDeps } from './service.js';

/** Device records: one per device key thumbprint, with the signals the app reports and a revocation mark. */
export class DeviceRegistry {
  constructor(private readonly deps: Pick<EnrolmentDeps, 'db' | 'clock'>) {}

  async refuseRevoked(jkt: string): Promise<void> {
    const device = await this.deps.db.selectFrom('devices').select('revoked_at').where('jkt', '=', jkt).executeTakeFirst();
    if (device?.revoked_at) throw new ApiFailure('device_revoked', 'this device key has been revoked');
  }

  /** Creates the device record on first sight of a key, and refreshes its signals after. */
  async record(jkt: string, signals: DeviceSignals): Promise<DeviceRow> {
    const now = this.deps.clock.now().toISOString();
    const fields = { name: signals.name, platform: signals.platform, os_version: signals.osVersion, app_version: signals.appVersion, kind: signals.kind };
    const existing = await this.deps.db.selectFrom('devices').selectAll().where('jkt', '=', jkt).executeTakeFirst();
    if (existing) {
      await this.deps.db.updateTable('devices').set({ ...fields, last_seen_at: now }).where('id', '=', existing.id).execute();
      return { ...existing, ...fields, last_seen_at: now };
    }
    const row: DeviceRow = { id: newId(), jkt, ...fields, first_seen_at: now, last_seen_at: now, revoked_at: null };
    // Two first requests from one new device (a double submit, a link and a typed code) race to here.
    const inserted = await this.deps.db.insertInto('devices').values(row).onConflict((oc) => oc.column('jkt').doNothing()).executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 0n) return this.record(jkt, signals);
    await appendAudit(this.deps.db, this.deps.clock, { event: 'device.seen', actor: 'app', userId: null, details: { deviceId: row.id, platform: row.platform, kind: row.kind } });
    return row;
  }

  async list(): Promise<DeviceRow[]> {
    return this.deps.db.selectFrom('devices').selectAll().orderBy('first_seen_at').execute();
  }

  /** Refuses every later code, session and call signed by this device's key. */
  async revoke(deviceId: string, actor: string): Promise<void> {
    const result = await this.deps.db
      .updateTable('devices')
      .set({ revoked_at: this.deps.clock.now().toISOString() })
      .where('id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new ApiFailure('not_found', `no active device ${deviceId}`);
    await appendAudit(this.deps.db, this.deps.clock, { event: 'device.revoked', actor, userId: null, details: { deviceId } });
  }
}
