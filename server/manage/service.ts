import { transaction } from '../db/transaction.js';
import type { DeviceView, FactorView, RecoveryCodesResponse, SecurityOverview } from '../../api/security.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import type { SessionRow, UserRow } from '../db/schema.js';
import { deviceView, type DeviceRegistry } from '../enrolment/devices.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { factorView } from '../enrolment/views.js';
import { ApiFailure } from '../errors.js';
import { factorGap } from '../movers/compliance.js';
import { moverComplianceOf } from '../movers/overview.js';
import { tierFor } from '../policy/evaluate.js';
import { notify } from '../notifications/outbox.js';
import type { RecoveryCodes } from '../recovery/recovery-codes.js';

/**
 * "My security": what a `manage` session (opened by an assertion) may see and change. Removing
 * a factor or a device and regenerating recovery codes need a fresh assertion (freshAuthSeconds),
 * and the last active factor is never removed. A `replace` session may read the overview, to
 * offer what to retire.
 */
export class ManageService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
    private readonly codes: RecoveryCodes,
  ) {}

  private device(session: SessionRow): Promise<{ id: string; name: string } | null> {
    return this.devices.byId(this.deps.db, session.device_id).then((d) => (d ? { id: d.id, name: d.label ?? d.name } : null));
  }

  async overview(caller: Caller): Promise<SecurityOverview> {
    const { session, user } = await this.sessions.live(caller, ['replace', 'manage']);
    const db = this.deps.db;
    const factors = await db
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('status', 'in', ['active', 'suspended'])
      .orderBy('created_at')
      .execute();
    const devices = await this.devices.boundTo(db, user.id);
    const fresh = session.authenticated_at
      ? addSeconds(new Date(session.authenticated_at), this.deps.config.freshAuthSeconds).toISOString()
      : null;
    return {
      factors: factors.map(factorView),
      devices: devices.map((d) => deviceView(d, session.device_id)),
      recoveryCodes: await this.codes.status(user.id),
      authenticatedWith: session.auth_credential_id,
      freshUntil: session.purpose === 'manage' ? fresh : null,
      compliance: await moverComplianceOf(db, this.deps.policy.policy, user, this.deps.clock.now()),
    };
  }

  private async ownFactor(user: UserRow, id: string) {
    const c = await this.deps.db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', user.id)
      .where('status', 'in', ['active', 'suspended'])
      .executeTakeFirst();
    if (!c) throw new ApiFailure('not_found', `no factor ${id} of yours`);
    return c;
  }

  async renameFactor(caller: Caller, id: string, name: string): Promise<FactorView> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    const c = await this.ownFactor(user, id);
    await transaction(this.deps.db, async (tx) => {
      await tx.updateTable('credentials').set({ name }).where('id', '=', c.id).execute();
      await appendAuditIn(tx, this.deps.clock, {
        event: 'factor.renamed',
        actor: user.username,
        userId: user.id,
        details: { credentialId: c.id, deviceId: session.device_id },
      });
    });
    return factorView({ ...c, name });
  }

  /** Revokes one of the user's factors; never the last active one. */
  async removeFactor(caller: Caller, id: string): Promise<void> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(session);
    const { db, clock } = this.deps;
    const device = await this.device(session);
    await transaction(db, async (tx) => {
      const now = clock.now().toISOString();
      const c = await tx
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', id)
        .where('user_id', '=', user.id)
        .where('status', 'in', ['active', 'suspended'])
        .executeTakeFirst();
      if (!c) throw new ApiFailure('not_found', `no factor ${id} of yours`);
      const others = await tx
        .selectFrom('credentials')
        .select('id')
        .where('user_id', '=', user.id)
        .where('id', '!=', c.id)
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .execute();
      if (c.status === 'active' && others.length === 0) {
        throw new ApiFailure('last_factor', 'this is your only active factor: add another before removing it');
      }
      await tx.updateTable('credentials').set({ status: 'revoked', status_changed_at: now }).where('id', '=', c.id).execute();
      await appendAuditIn(tx, clock, {
        event: 'factor.removed',
        actor: user.username,
        userId: user.id,
        details: { credentialId: c.id, factor: c.factor, sessionId: session.id, deviceId: session.device_id },
      });
      await notify(tx, clock, {
        user,
        kind: 'factor.removed',
        device,
        details: { credentialId: c.id, factor: c.factor, name: c.name ?? c.authenticator_name },
      });
    });
  }

  private async ownDevice(user: UserRow, id: string) {
    const d = (await this.devices.boundTo(this.deps.db, user.id)).find((b) => b.id === id);
    if (!d) throw new ApiFailure('not_found', `no device ${id} of yours`);
    return d;
  }

  async renameDevice(caller: Caller, id: string, name: string): Promise<DeviceView> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    const d = await this.ownDevice(user, id);
    await transaction(this.deps.db, async (tx) => {
      await tx.updateTable('devices').set({ label: name }).where('id', '=', d.id).execute();
      await appendAuditIn(tx, this.deps.clock, {
        event: 'device.renamed',
        actor: user.username,
        userId: user.id,
        details: { deviceId: d.id, byDeviceId: session.device_id },
      });
    });
    return deviceView({ ...d, label: name }, session.device_id);
  }

  /** Revokes another of the user's devices: its key is refused from then on. */
  async removeDevice(caller: Caller, id: string): Promise<void> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(session);
    if (id === session.device_id) throw new ApiFailure('invalid_request', 'this is the device you are using: remove it from another one');
    const d = await this.ownDevice(user, id);
    const { db, clock } = this.deps;
    await transaction(db, async (tx) => {
      await this.devices.revokeIn(tx, d.id);
      await this.devices.releaseIn(tx, user.id, d.id);
      await appendAuditIn(tx, clock, {
        event: 'device.revoked',
        actor: user.username,
        userId: user.id,
        details: { deviceId: d.id, reason: 'removed', sessionId: session.id, byDeviceId: session.device_id },
      });
      await notify(tx, clock, {
        user,
        kind: 'device.revoked',
        device: { id: d.id, name: d.label ?? d.name },
        details: { reason: 'removed' },
      });
    });
  }

  /** A new set of recovery codes, shown once; the old set stops working. */
  async regenerateCodes(caller: Caller): Promise<RecoveryCodesResponse> {
    const { session, user } = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(session);
    if (user.account_kind === 'break-glass')
      throw new ApiFailure('break_glass_no_recovery', 'a break-glass account has no recovery codes: its keys are the recovery');
    const { db, clock } = this.deps;
    const set = await this.codes.prepare();
    const device = await this.device(session);
    await transaction(db, async (tx) => {
      await this.codes.replaceIn(tx, user.id, set);
      await appendAuditIn(tx, clock, {
        event: 'recovery.codes_regenerated',
        actor: user.username,
        userId: user.id,
        details: { setId: set.setId, sessionId: session.id, deviceId: session.device_id },
      });
      await notify(tx, clock, { user, kind: 'recovery_codes.regenerated', device });
    });
    return { recoveryCodes: set.display, createdAt: clock.now().toISOString() };
  }

  /**
   * After review, an agent puts a suspended factor back in use: only one the person's tier accepts
   * now. A factor suspended at the end of a mover's grace period stays suspended, or one agent could
   * keep a synced passkey on a privileged account for good.
   */
  async reinstateFactor(credentialId: string, agent: string): Promise<void> {
    const { db, clock, policy } = this.deps;
    const now = clock.now().toISOString();
    await transaction(db, async (tx) => {
      const suspended = await tx
        .selectFrom('credentials')
        .innerJoin('users', 'users.id', 'credentials.user_id')
        .selectAll('credentials')
        .select('users.username')
        .where('credentials.id', '=', credentialId)
        .where('credentials.status', '=', 'suspended')
        .executeTakeFirst();
      if (!suspended) throw new ApiFailure('not_found', `no suspended factor ${credentialId}`);
      const user = await tx.selectFrom('users').selectAll().where('id', '=', suspended.user_id).executeTakeFirstOrThrow();
      const gap = factorGap(policy.policy, tierFor(policy.policy, user).tier, suspended);
      if (gap)
        throw new ApiFailure(
          'factor_not_allowed',
          `${suspended.username}'s tier does not accept this factor (${gap}): they add one it accepts instead`,
        );
      const c = await tx
        .updateTable('credentials')
        .set({ status: 'active', status_changed_at: now })
        .where('id', '=', credentialId)
        .where('status', '=', 'suspended')
        .returning('user_id')
        .executeTakeFirst();
      if (!c) throw new ApiFailure('not_found', `no suspended factor ${credentialId}`);
      await appendAuditIn(tx, clock, { event: 'factor.reinstated', actor: agent, userId: c.user_id, details: { credentialId } });
    });
  }
}
