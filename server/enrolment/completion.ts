import { transaction } from '../db/transaction.js';
import { assertUserActive } from '../accounts/active.js';
import type { CompleteRequest, CompleteResponse } from '../../api/enrolment.js';
import { appendAuditIn, type AuditEntry } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import type { CredentialRow, SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { notify, type NotifyInput } from '../notifications/outbox.js';
import { tierFor } from '../policy/evaluate.js';
import type { PreparedSet, RecoveryCodes } from '../recovery/recovery-codes.js';
import type { DeviceRegistry } from './devices.js';
import type { SessionStore } from './sessions.js';
import { credentialView } from './views.js';
import { forgetRecoveryTries } from '../recovery/recovery-codes.js';
import { breakGlassCeremonyIn } from '../break-glass/ceremony.js';
import { retireSpareEnrolmentsIn } from './spare-enrolments.js';

/** What one completion does, gathered inside its transaction and written with it. */
interface Effects {
  audits: AuditEntry[];
  notes: NotifyInput[];
  retiredFactors: string[];
  retiredDevices: string[];
}

/**
 * Completing a session, by purpose, in one transaction: pending factors become active and the
 * device is bound to the user. `enrol` issues the first recovery codes. `replace` may retire
 * chosen factors and devices, or rebind the factor that opened it to this device. `recover`
 * revokes (or, by policy, suspends) every other factor, revokes every other device of the user,
 * ends their other sessions and replaces the recovery codes.
 */
export class Completion {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly devices: DeviceRegistry,
    private readonly sessions: SessionStore,
    private readonly codes: RecoveryCodes,
  ) {}

  async complete(session: SessionRow, user: UserRow, request: CompleteRequest): Promise<CompleteResponse> {
    const { db, clock } = this.deps;
    const changes = request.retireFactors.length > 0 || request.retireDevices.length > 0 || request.rebind;
    if (changes && session.purpose !== 'replace')
      throw new ApiFailure('invalid_request', 'only a replace session can retire factors or devices, or rebind');
    // A computer approved by a short code read out from another is the likeliest to have been phished:
    // it adds its own key, and retiring anything waits for a session opened with a key.
    if ((request.retireFactors.length > 0 || request.retireDevices.length > 0) && session.opened_by === 'device-approval')
      throw new ApiFailure('invalid_request', 'a session opened by device approval cannot retire factors or devices');
    const now = clock.now().toISOString();
    const device = await this.devices.byId(db, session.device_id);
    const deviceRef = device ? { id: device.id, name: device.label ?? device.name } : null;
    // Hashing ten codes is slow: done before the transaction, used only if needed.
    // A break-glass account gets no recovery codes: its keys, in separate safes, are the recovery.
    const codes =
      user.account_kind !== 'break-glass' && (session.purpose === 'recover' || !(await this.codes.hasSet(db, user.id)))
        ? await this.codes.prepare()
        : null;
    const fx: Effects = { audits: [], notes: [], retiredFactors: [], retiredDevices: [] };
    const actor = user.username;
    const deviceId = session.device_id;

    const issued = await transaction(db, async (tx) => {
      // The person's row lock first, as a code exchange takes it: a spare code reopening a session
      // either commits before this completion (and its session is ended below) or sees it.
      await assertUserActive(tx, user.id, clock.now());
      const ceremony = await breakGlassCeremonyIn(tx, session, user, clock.now());
      if (ceremony) fx.audits.push(ceremony);
      const claim = await tx
        .updateTable('sessions')
        .set({ completed_at: now, challenge: null })
        .where('id', '=', session.id)
        .where('completed_at', 'is', null)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (claim.numUpdatedRows !== 1n) throw new ApiFailure('session_completed', 'session already completed');
      const activated = await tx
        .updateTable('credentials')
        .set({ status: 'active', status_changed_at: now })
        .where('session_id', '=', session.id)
        .where('status', '=', 'pending')
        .returning(['id', 'factor'])
        .execute();
      if (activated.length === 0 && !(session.purpose === 'replace' && request.rebind)) {
        throw new ApiFailure('nothing_registered', 'register a factor before completing');
      }
      for (const c of activated)
        fx.notes.push({ user, kind: 'factor.added', device: deviceRef, details: { credentialId: c.id, factor: c.factor } });
      const newIds = new Set(activated.map((c) => c.id));

      if (session.purpose === 'replace') await this.replace(tx, session, user, request, newIds, fx);
      if (session.purpose === 'recover') await this.recover(tx, session, user, newIds, fx);
      fx.audits.push(...(await retireSpareEnrolmentsIn(tx, session, user, now)));
      if (await this.devices.bindIn(tx, user.id, deviceId))
        fx.audits.push({ event: 'device.bound', actor, userId: user.id, details: { deviceId, sessionId: session.id } });

      const details = { sessionId: session.id, purpose: session.purpose, deviceId, added: activated.length };
      fx.audits.unshift({ event: 'session.completed', actor, userId: user.id, details });
      if (session.purpose === 'replace') {
        fx.audits.push({
          event: 'replacement.completed',
          actor,
          userId: user.id,
          details: {
            ...details,
            retiredFactors: fx.retiredFactors.length,
            retiredDevices: fx.retiredDevices.length,
            rebind: request.rebind,
          },
        });
        fx.notes.push({
          user,
          kind: 'replacement.completed',
          device: deviceRef,
          details: {
            added: activated.length,
            retiredFactors: fx.retiredFactors,
            retiredDevices: fx.retiredDevices,
            rebind: request.rebind,
          },
        });
      }
      if (session.purpose === 'recover') {
        const mode = tierFor(this.deps.policy.policy, user).tier.onRecovery;
        fx.audits.push({
          event: 'recovery.completed',
          actor,
          userId: user.id,
          details: {
            ...details,
            method: session.opened_by,
            mode,
            retiredFactors: fx.retiredFactors.length,
            retiredDevices: fx.retiredDevices.length,
          },
        });
        fx.notes.push({
          user,
          kind: 'recovery.completed',
          device: deviceRef,
          details: { method: session.opened_by, retiredFactors: fx.retiredFactors.length, retiredDevices: fx.retiredDevices.length },
        });
      }
      // Checked again inside: of two sessions completing at once, only the first issues the first set.
      const issue = codes && (session.purpose === 'recover' || !(await this.codes.hasSet(tx, user.id))) ? codes : null;
      if (issue) await this.issueCodes(tx, session, user, issue, fx);
      for (const entry of fx.audits) await appendAuditIn(tx, clock, entry);
      for (const note of fx.notes) await notify(tx, clock, note);
      return issue;
    });

    const credentials = await db
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute();
    return {
      user: { username: user.username, displayName: user.display_name },
      credentials: credentials.map(credentialView),
      ...(issued ? { recoveryCodes: issued.display } : {}),
      ...(session.purpose === 'enrol' ? {} : { retired: { factors: fx.retiredFactors, devices: fx.retiredDevices } }),
    };
  }

  private async issueCodes(tx: Executor, session: SessionRow, user: UserRow, codes: PreparedSet, fx: Effects): Promise<void> {
    await this.codes.replaceIn(tx, user.id, codes);
    const reason = session.purpose === 'recover' ? 'recovery' : 'first_set';
    fx.audits.push({
      event: 'recovery.codes_issued',
      actor: user.username,
      userId: user.id,
      details: { setId: codes.setId, count: codes.display.length, reason, deviceId: session.device_id },
    });
  }

  private async replace(
    tx: Executor,
    session: SessionRow,
    user: UserRow,
    request: CompleteRequest,
    newIds: Set<string>,
    fx: Effects,
  ): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const actor = user.username;
    const mine = await tx
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('status', 'in', ['active', 'suspended'])
      .execute();
    const byId = new Map(mine.map((c) => [c.id, c]));
    const retire = [...new Set(request.retireFactors)];
    for (const id of retire) {
      if (!byId.has(id) || newIds.has(id)) throw new ApiFailure('not_found', `no factor ${id} of yours to retire`);
      if (request.rebind && id === session.auth_credential_id)
        throw new ApiFailure('invalid_request', 'the factor being rebound cannot also be retired');
    }
    const usableLeft = mine.filter((c) => c.status === 'active' && !retire.includes(c.id) && (c.expires_at === null || c.expires_at > now));
    if (usableLeft.length === 0) throw new ApiFailure('last_factor', 'that would leave you without an active factor');

    const bound = await this.devices.boundTo(tx, user.id);
    const retireDevices = [...new Set(request.retireDevices)];
    for (const id of retireDevices) {
      if (id === session.device_id) throw new ApiFailure('invalid_request', 'this device cannot retire itself');
      if (!bound.some((d) => d.id === id)) throw new ApiFailure('not_found', `no device ${id} of yours to retire`);
    }

    if (request.rebind) {
      const moved = session.auth_credential_id ? byId.get(session.auth_credential_id) : undefined;
      if (!moved || moved.status !== 'active')
        throw new ApiFailure('factor_revoked', 'the factor that opened this session is no longer active');
      const from = moved.device_id;
      if (from === session.device_id) throw new ApiFailure('invalid_request', 'this factor is already bound to this device');
      await tx.updateTable('credentials').set({ device_id: session.device_id }).where('id', '=', moved.id).execute();
      fx.audits.push({
        event: 'device.rebound',
        actor,
        userId: user.id,
        details: { credentialId: moved.id, fromDeviceId: from, toDeviceId: session.device_id, deviceId: session.device_id },
      });
      fx.notes.push({
        user,
        kind: 'device.rebound',
        details: { credentialId: moved.id, fromDeviceId: from, toDeviceId: session.device_id },
      });
      // The old device's key goes too, if it is the user's own (a kiosk station is not).
      if (from && bound.some((d) => d.id === from) && !retireDevices.includes(from)) retireDevices.push(from);
    }
    await this.retireFactors(
      tx,
      session,
      user,
      mine.filter((c) => retire.includes(c.id)),
      'revoked',
      'retired',
      fx,
    );
    await this.retireDevices(tx, session, user, retireDevices, 'retired', fx);
  }

  private async recover(tx: Executor, session: SessionRow, user: UserRow, newIds: Set<string>, fx: Effects): Promise<void> {
    const mode = tierFor(this.deps.policy.policy, user).tier.onRecovery;
    const others = await tx
      .selectFrom('credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('status', 'in', ['active', 'suspended'])
      .execute();
    const affected = others.filter((c) => !newIds.has(c.id) && (mode === 'revoke' || c.status === 'active'));
    await this.retireFactors(tx, session, user, affected, mode === 'suspend' ? 'suspended' : 'revoked', 'recovery', fx);
    const bound = await this.devices.boundTo(tx, user.id);
    await this.retireDevices(
      tx,
      session,
      user,
      bound.map((d) => d.id).filter((id) => id !== session.device_id),
      'recovery',
      fx,
    );
    await this.sessions.endOthersIn(tx, user.id, session.id);
    // Nothing asked before the recovery can be answered after it.
    await tx
      .updateTable('assertion_ceremonies')
      .set({ used_at: this.deps.clock.now().toISOString() })
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .execute();
    // The person is back in: the count toward the lock, the lock and every client's waits go.
    await forgetRecoveryTries(tx, user.username);
  }

  private async retireFactors(
    tx: Executor,
    session: SessionRow,
    user: UserRow,
    factors: CredentialRow[],
    to: 'revoked' | 'suspended',
    reason: string,
    fx: Effects,
  ): Promise<void> {
    if (factors.length === 0) return;
    const ids = factors.map((c) => c.id);
    await tx
      .updateTable('credentials')
      .set({ status: to, status_changed_at: this.deps.clock.now().toISOString() })
      .where('id', 'in', ids)
      .execute();
    for (const c of factors) {
      const details = { credentialId: c.id, factor: c.factor, reason, sessionId: session.id, deviceId: session.device_id };
      fx.audits.push({ event: to === 'suspended' ? 'factor.suspended' : 'factor.revoked', actor: user.username, userId: user.id, details });
      fx.notes.push({
        user,
        kind: to === 'suspended' ? 'factor.suspended' : 'factor.revoked',
        details: { credentialId: c.id, factor: c.factor, name: c.name ?? c.authenticator_name, reason },
      });
      fx.retiredFactors.push(c.id);
    }
  }

  private async retireDevices(
    tx: Executor,
    session: SessionRow,
    user: UserRow,
    deviceIds: string[],
    reason: string,
    fx: Effects,
  ): Promise<void> {
    for (const id of deviceIds) {
      const device = await this.devices.byId(tx, id);
      await this.devices.revokeIn(tx, id);
      await this.devices.releaseIn(tx, user.id, id);
      fx.audits.push({
        event: 'device.revoked',
        actor: user.username,
        userId: user.id,
        details: { deviceId: id, reason, sessionId: session.id, byDeviceId: session.device_id },
      });
      fx.notes.push({
        user,
        kind: 'device.revoked',
        device: device ? { id, name: device.label ?? device.name } : null,
        details: { reason },
      });
      fx.retiredDevices.push(id);
    }
  }
}
