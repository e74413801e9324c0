import { createHash } from 'node:crypto';
import type { IssueStationCodeResponse, StationStatus, StationView } from '../../api/kiosk.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { StationRow } from '../db/schema.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import { parseCode, storeWithFreshHandle } from '../enrolment/codes.js';
import { ApiFailure } from '../errors.js';
import { newId, sameHash, sha256 } from '../secrets.js';
import { refuseDeadStation, stationOfKey, stationState } from './station-state.js';

/** As for enrolment codes: the short public handle sometimes clashes with an old one, so draw again. */

/**
 * Kiosk stations: an admin issues a one-time station code naming the station, whoever sets the
 * station up types it in, and the station's device key is registered as a kiosk until it lapses or
 * is revoked. From then on the server, not the app, knows that key's sessions are kiosk sessions.
 */
export class StationRegistry {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly devices: DeviceRegistry,
  ) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  async issueStationCode(name: string, actor: string, ttlSeconds?: number): Promise<IssueStationCodeResponse> {
    const { db, clock, config } = this.deps;
    const ttl = Math.min(ttlSeconds ?? config.stationCodeTtlSeconds, config.stationCodeTtlSeconds);
    const now = this.now();
    const expiresAt = addSeconds(now, ttl).toISOString();
    const id = newId();
    return storeWithFreshHandle(
      async (code) => {
        await transaction(db, async (tx) => {
          await tx
            .insertInto('stations')
            .values({
              id,
              name,
              code_handle: code.handle,
              code_hash: sha256(code.secret),
              code_expires_at: expiresAt,
              created_at: now.toISOString(),
              created_by: actor,
              jkt: null,
              registered_at: null,
              renew_by: null,
              revoked_at: null,
              revoked_by: null,
              last_seen_at: null,
            })
            .execute();
          await appendAuditIn(tx, clock, {
            event: 'station.code_issued',
            actor,
            userId: null,
            details: { stationId: id, name, ttlSeconds: ttl },
          });
        });
        return { code: code.display, stationName: name, expiresAt };
      },
      async (handle) => Boolean(await db.selectFrom('stations').select('id').where('code_handle', '=', handle).executeTakeFirst()),
    );
  }

  /**
   * Redeems a station code for the key that signed the request. A key already registered (or
   * lapsed) is renewed: the new registration takes its place. A revoked station's key stays out.
   */
  async register(input: string, jkt: string): Promise<StationStatus> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevokedKey(jkt);
    const refuse = async (code: 'code_invalid' | 'code_used' | 'code_expired', stationId: string | null): Promise<never> => {
      await appendAudit(db, clock, { event: 'station.refused', actor: 'anonymous', userId: null, details: { stationId, reason: code } });
      throw new ApiFailure(code, code === 'code_invalid' ? 'station code not recognised' : `station code ${code.slice(5)}`);
    };
    const parsed = parseCode(input);
    if (!parsed) return refuse('code_invalid', null);
    const row = await db.selectFrom('stations').selectAll().where('code_handle', '=', parsed.handle).executeTakeFirst();
    if (!row || !sameHash(row.code_hash, sha256(parsed.secret))) return refuse('code_invalid', null);
    if (row.registered_at || row.revoked_at) return refuse('code_used', row.id);
    const now = this.now();
    if (row.code_expires_at <= now.toISOString()) return refuse('code_expired', row.id);
    const previous = await stationOfKey(db, jkt);
    if (previous?.revoked_at) throw new ApiFailure('station_revoked', 'this kiosk station was revoked');

    const renewBy = addSeconds(now, config.stationRenewDays * 86_400).toISOString();
    await transaction(db, async (tx) => {
      if (previous) {
        await tx
          .updateTable('stations')
          .set({ jkt: null, revoked_at: now.toISOString(), revoked_by: `renewed as ${row.id}` })
          .where('id', '=', previous.id)
          .execute();
      }
      const claim = await tx
        .updateTable('stations')
        .set({ jkt, registered_at: now.toISOString(), renew_by: renewBy, last_seen_at: now.toISOString() })
        .where('id', '=', row.id)
        .where('registered_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      // Another request redeemed it first: thrown, so the previous registration stays as it was.
      if (claim.numUpdatedRows !== 1n) throw new ApiFailure('code_used', 'station code used');
      // Whatever this key had open began before it was a kiosk (or under the old registration):
      // none of it may go on binding factors here without the operator and the security-key rule.
      const open = await tx
        .selectFrom('sessions')
        .select('id')
        .where('jkt', '=', jkt)
        .where('ended_at', 'is', null)
        .where('completed_at', 'is', null)
        .execute();
      if (open.length > 0) {
        const ids = open.map((o) => o.id);
        await tx.updateTable('sessions').set({ ended_at: now.toISOString(), challenge: null }).where('id', 'in', ids).execute();
        await tx.deleteFrom('credentials').where('session_id', 'in', ids).where('status', '=', 'pending').execute();
      }
      await appendAuditIn(tx, clock, {
        event: previous ? 'station.renewed' : 'station.registered',
        actor: row.name,
        userId: null,
        details: { stationId: row.id, name: row.name, replaces: previous?.id ?? null, renewBy },
      });
    });
    return this.statusOf({ ...row, jkt, registered_at: now.toISOString(), renew_by: renewBy });
  }

  /** The registered station this key is, or why not. */
  async require(jkt: string): Promise<StationRow> {
    await this.devices.refuseRevokedKey(jkt);
    const row = await stationOfKey(this.deps.db, jkt);
    refuseDeadStation(row, this.now());
    if (!row || stationState(row, this.now()) !== 'registered') {
      throw new ApiFailure('station_not_registered', 'this device is not a registered kiosk station');
    }
    return row;
  }

  async status(jkt: string): Promise<StationStatus> {
    const row = await this.require(jkt);
    const now = this.now().toISOString();
    await this.deps.db.updateTable('stations').set({ last_seen_at: now }).where('id', '=', row.id).execute();
    return this.statusOf(row);
  }

  private statusOf(row: StationRow): StationStatus {
    return {
      id: row.id,
      name: row.name,
      registeredAt: row.registered_at ?? '',
      renewBy: row.renew_by ?? '',
      policyVersion: policyVersion(this.deps.policy.policy),
    };
  }

  async list(): Promise<StationView[]> {
    const db = this.deps.db;
    const rows = await db.selectFrom('stations').selectAll().orderBy('created_at').orderBy('id').execute();
    const counts = await db
      .selectFrom('kiosk_confirmations')
      .select(['station_id', db.fn.countAll<number | string>().as('n')])
      .groupBy('station_id')
      .execute();
    const byStation = new Map(counts.map((c) => [c.station_id, Number(c.n)]));
    return rows.map((row) => this.view(row, byStation.get(row.id) ?? 0));
  }

  /** Refuses the station's key as a station from now on and ends the sessions open on it. */
  async revoke(stationId: string, actor: string): Promise<StationView> {
    const { db, clock } = this.deps;
    const now = this.now().toISOString();
    await transaction(db, async (tx) => {
      const revoked = await tx
        .updateTable('stations')
        .set({ revoked_at: now, revoked_by: actor })
        .where('id', '=', stationId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (revoked.numUpdatedRows !== 1n) throw new ApiFailure('not_found', `no active station ${stationId}`);
      const open = await tx
        .selectFrom('sessions')
        .select('id')
        .where('station_id', '=', stationId)
        .where('ended_at', 'is', null)
        .where('completed_at', 'is', null)
        .execute();
      const ids = open.map((s) => s.id);
      if (ids.length > 0) {
        await tx.updateTable('sessions').set({ ended_at: now, challenge: null }).where('id', 'in', ids).execute();
        await tx.deleteFrom('credentials').where('session_id', 'in', ids).where('status', '=', 'pending').execute();
      }
      await appendAuditIn(tx, clock, { event: 'station.revoked', actor, userId: null, details: { stationId, sessionsEnded: ids.length } });
    });
    const [row, confirmations] = await Promise.all([
      db.selectFrom('stations').selectAll().where('id', '=', stationId).executeTakeFirstOrThrow(),
      db
        .selectFrom('kiosk_confirmations')
        .select(db.fn.countAll<number | string>().as('n'))
        .where('station_id', '=', stationId)
        .executeTakeFirstOrThrow(),
    ]);
    return this.view(row, Number(confirmations.n));
  }

  private view(row: StationRow, confirmations: number): StationView {
    return {
      id: row.id,
      name: row.name,
      state: stationState(row, this.now()),
      createdAt: row.created_at,
      codeExpiresAt: row.code_expires_at,
      registeredAt: row.registered_at,
      renewBy: row.renew_by,
      revokedAt: row.revoked_at,
      lastSeenAt: row.last_seen_at,
      confirmations,
    };
  }
}

/** A short fingerprint of the policy in force: it changes whenever the policy does. */
export function policyVersion(policy: unknown): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 12);
}
