import { transaction } from '../db/transaction.js';
import type { DeviceSignals } from '../../api/enrolment.js';
import type { DeviceView } from '../../api/security.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { DeviceRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { refuseDeadStation, stationOfKey } from '../kiosk/station-state.js';
import { newId } from '../secrets.js';

export type BoundDevice = DeviceRow & { bound_at: string };

export function deviceView(d: BoundDevice, currentDeviceId: string | null): DeviceView {
  return {
    id: d.id,
    name: d.label ?? d.name,
    reportedName: d.name,
    platform: d.platform,
    osVersion: d.os_version,
    appVersion: d.app_version,
    kind: d.kind,
    firstSeenAt: d.first_seen_at,
    lastSeenAt: d.last_seen_at,
    boundAt: d.bound_at,
    current: d.id === currentDeviceId,
  };
}

/**
 * Device records: one per device key thumbprint, with the signals the app reports and a revocation
 * mark; and bindings, which say whose personal device it is. A kiosk station is never bound to the
 * people enrolling on it: it is the organisation's, and one person's recovery must not revoke it.
 */
export class DeviceRegistry {
  constructor(private readonly deps: Pick<ServiceDeps, 'db' | 'clock'>) {}

  /** Refuses a revoked device key, and the key of a kiosk station that was revoked or has lapsed. */
  async refuseRevoked(jkt: string): Promise<void> {
    await this.refuseRevokedKey(jkt);
    refuseDeadStation(await stationOfKey(this.deps.db, jkt), this.deps.clock.now());
  }

  /** Refuses a revoked device key only: what registering a station (again) needs. */
  async refuseRevokedKey(jkt: string): Promise<void> {
    const device = await this.deps.db.selectFrom('devices').select('revoked_at').where('jkt', '=', jkt).executeTakeFirst();
    if (device?.revoked_at) throw new ApiFailure('device_revoked', 'this device key has been revoked');
  }

  /**
   * Refuses a call that is not a kiosk's to make (signing in with one's own factor, recovery, help
   * desk) from a registered station: a station only enrols new hires, under an operator.
   */
  async refuseStation(jkt: string): Promise<void> {
    if (await stationOfKey(this.deps.db, jkt)) {
      throw new ApiFailure('purpose_not_allowed', 'a kiosk station only enrols new hires confirmed by an operator');
    }
  }

  /**
   * Creates the device record on first sight of a key, and refreshes its signals after. Whether it
   * is a kiosk is the server's knowledge (a registered station key), never the app's claim.
   */
  async record(jkt: string, signals: DeviceSignals, kind: DeviceRow['kind'] = 'personal'): Promise<DeviceRow> {
    const now = this.deps.clock.now().toISOString();
    const fields = {
      name: signals.name,
      platform: signals.platform,
      os_version: signals.osVersion,
      app_version: signals.appVersion,
      kind,
    };
    const existing = await this.deps.db.selectFrom('devices').selectAll().where('jkt', '=', jkt).executeTakeFirst();
    if (existing) {
      await this.deps.db
        .updateTable('devices')
        .set({ ...fields, last_seen_at: now })
        .where('id', '=', existing.id)
        .execute();
      return { ...existing, ...fields, last_seen_at: now };
    }
    const row: DeviceRow = { id: newId(), jkt, ...fields, first_seen_at: now, last_seen_at: now, revoked_at: null, label: null };
    // Two first requests from one new device (a double submit, a link and a typed code) race to here.
    const inserted = await transaction(this.deps.db, async (tx) => {
      const result = await tx
        .insertInto('devices')
        .values(row)
        .onConflict((oc) => oc.column('jkt').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 0n) return false;
      await appendAuditIn(tx, this.deps.clock, {
        event: 'device.seen',
        actor: 'app',
        userId: null,
        details: { deviceId: row.id, platform: row.platform, kind: row.kind },
      });
      return true;
    });
    if (!inserted) return this.record(jkt, signals, kind);
    return row;
  }

  async list(): Promise<DeviceRow[]> {
    return this.deps.db.selectFrom('devices').selectAll().orderBy('first_seen_at').execute();
  }

  /** For audit lines: the device record of a key, if the server has seen it. */
  async idOf(jkt: string): Promise<string | null> {
    const row = await this.deps.db.selectFrom('devices').select('id').where('jkt', '=', jkt).executeTakeFirst();
    return row?.id ?? null;
  }

  async byId(ex: Executor, deviceId: string | null): Promise<DeviceRow | undefined> {
    if (!deviceId) return undefined;
    return ex.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
  }

  /** Refuses every later code, session and call signed by this device's key. */
  async revoke(deviceId: string, actor: string): Promise<void> {
    await transaction(this.deps.db, async (tx) => {
      if (!(await this.revokeIn(tx, deviceId))) throw new ApiFailure('not_found', `no active device ${deviceId}`);
      await appendAuditIn(tx, this.deps.clock, { event: 'device.revoked', actor, userId: null, details: { deviceId } });
    });
  }

  /** Marks the device key revoked; false if it already was (or does not exist). */
  async revokeIn(ex: Executor, deviceId: string): Promise<boolean> {
    const result = await ex
      .updateTable('devices')
      .set({ revoked_at: this.deps.clock.now().toISOString() })
      .where('id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Binds a personal device to the user (a kiosk never is); true if it was not bound before. */
  async bindIn(ex: Executor, userId: string, deviceId: string | null): Promise<boolean> {
    const device = await this.byId(ex, deviceId);
    if (!device || device.kind !== 'personal') return false;
    const now = this.deps.clock.now().toISOString();
    const before = await ex
      .selectFrom('device_bindings')
      .select('released_at')
      .where('user_id', '=', userId)
      .where('device_id', '=', device.id)
      .executeTakeFirst();
    if (before && before.released_at === null) return false;
    await ex
      .insertInto('device_bindings')
      .values({ user_id: userId, device_id: device.id, bound_at: now, released_at: null })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ bound_at: now, released_at: null }))
      .execute();
    return true;
  }

  async releaseIn(ex: Executor, userId: string, deviceId: string): Promise<void> {
    await ex
      .updateTable('device_bindings')
      .set({ released_at: this.deps.clock.now().toISOString() })
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .where('released_at', 'is', null)
      .execute();
  }

  /** The user's devices whose keys still work. */
  async boundTo(ex: Executor, userId: string): Promise<BoundDevice[]> {
    return ex
      .selectFrom('device_bindings')
      .innerJoin('devices', 'devices.id', 'device_bindings.device_id')
      .selectAll('devices')
      .select('device_bindings.bound_at')
      .where('device_bindings.user_id', '=', userId)
      .where('device_bindings.released_at', 'is', null)
      .where('devices.revoked_at', 'is', null)
      .orderBy('device_bindings.bound_at')
      .execute();
  }
}
