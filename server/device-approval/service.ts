import type {
  ApprovalCandidate,
  ApprovalDecision,
  ApprovalOutcome,
  ApprovalRequestView,
  ApprovalStatus,
  FiledApproval,
} from '../../api/device-approval.js';
import type { DeviceSignals, SessionView } from '../../api/enrolment.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import type { DeviceApprovalRow, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import type { SessionStore } from '../enrolment/sessions.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';
import { forgetTries, lockIfSpent, reserveTry, throttleKey } from '../limits/attempt-throttle.js';
import { tooEarly } from '../limits/backoff.js';
import { newId } from '../secrets.js';
import { approvalCodeHasher, newApprovalCode } from './code.js';
import { refuseOverFilingLimits } from './filing-limits.js';
import { APPROVAL_RULES, codeTryRules } from './rules.js';
import { assertUserActive, isActiveUser } from '../accounts/active.js';
import { refuseBreakGlassRecovery } from '../break-glass/refusals.js';

const PLATFORMS = ['darwin', 'win32', 'linux'] as const;

function platformOf(reported: string): ApprovalCandidate['device']['platform'] {
  return (PLATFORMS as readonly string[]).includes(reported) ? (reported as (typeof PLATFORMS)[number]) : 'other';
}

/**
 * Device-to-device approval (api/device-approval.ts). The new computer files a request bound to its
 * device key and gets a short code; the person's old computer, in a fresh `manage` session of the
 * same user, finds the request by that code and approves or denies it; only the key that filed it
 * can then collect a `replace` session, once. The request row keeps both devices and the deciding
 * session, and each step is in the audit trail.
 */
export class DeviceApprovals {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: SessionStore,
    private readonly devices: DeviceRegistry,
  ) {}

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  /** What the request is now: pending or approved past its time has expired. */
  private status(r: DeviceApprovalRow): ApprovalStatus {
    if ((r.status === 'pending' || r.status === 'approved') && r.expires_at <= this.nowIso()) return 'expired';
    return r.status;
  }

  private view(r: DeviceApprovalRow): ApprovalRequestView {
    return { id: r.id, status: this.status(r), createdAt: r.created_at, expiresAt: r.expires_at, serverTime: this.nowIso() };
  }

  private async find(id: string): Promise<DeviceApprovalRow | undefined> {
    return this.deps.db.selectFrom('device_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async humanUser(username: string): Promise<UserRow | undefined> {
    return this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('account_kind', '=', 'human')
      .where(isActiveUser(this.deps.clock.now()))
      .executeTakeFirst();
  }

  /**
   * Files a request from the new computer. The answer is the same whether or not the username
   * exists (a code that nothing can approve); asking again from the same computer for the same
   * username withdraws the earlier request, whose code then finds nothing.
   */
  async file(username: string, jkt: string, signals: DeviceSignals, client: string): Promise<FiledApproval> {
    const { db, clock } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    await refuseOverFilingLimits(db, clock, username, client);
    await refuseBreakGlassRecovery(db, username, 'device approval');
    const device = await this.devices.record(jkt, signals);
    const user = await this.humanUser(username);
    const hash = await approvalCodeHasher(db);
    const now = clock.now();
    const nowIso = now.toISOString();
    const filed = await transaction(db, async (tx) => {
      await tx
        .updateTable('device_approvals')
        .set({ status: 'withdrawn', code_hash: null })
        .where('username', '=', username)
        .where('jkt', '=', jkt)
        .where('status', '=', 'pending')
        .execute();
      const open = await tx
        .selectFrom('device_approvals')
        .select(['expires_at', 'code_hash'])
        .where('username', '=', username)
        .where('status', 'in', ['pending', 'approved'])
        .where('expires_at', '>', nowIso)
        .orderBy('expires_at')
        .execute();
      const earliest = open[0];
      if (earliest && open.length >= APPROVAL_RULES.openPerUsername) {
        throw tooEarly('approval requests for this username', (Date.parse(earliest.expires_at) - now.getTime()) / 1000);
      }
      // One user's open codes differ, so the code the old computer types names one request.
      const taken = new Set(open.map((o) => o.code_hash));
      let code = newApprovalCode();
      while (taken.has(hash(code.chars))) code = newApprovalCode();
      const row: DeviceApprovalRow = {
        id: newId(),
        username,
        user_id: user?.id ?? null,
        jkt,
        device_id: device.id,
        code_hash: hash(code.chars),
        status: 'pending',
        created_at: nowIso,
        expires_at: addSeconds(now, APPROVAL_RULES.requestTtlSeconds).toISOString(),
        found_by_session_id: null,
        decided_at: null,
        decided_by_session_id: null,
        approver_device_id: null,
        approver_credential_id: null,
        collected_at: null,
        session_id: null,
      };
      await tx.insertInto('device_approvals').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'device_approval.requested',
        actor: 'app',
        userId: row.user_id,
        details: { requestId: row.id, deviceId: device.id, knownUser: user !== undefined },
      });
      return { row, code };
    });
    return { ...this.view(filed.row), code: filed.code.display };
  }

  /** The filing computer polls its request; any other is told there is no such request. */
  async statusFor(id: string, jkt: string): Promise<ApprovalRequestView> {
    await this.devices.refuseRevoked(jkt);
    const r = await this.find(id);
    if (!r || r.jkt !== jkt) throw new ApiFailure('not_found', 'no such approval request from this device');
    return this.view(r);
  }

  /** The old computer's manage session, only just opened by an assertion: what a decision needs. */
  private async approver(caller: Caller) {
    const found = await this.sessions.live(caller, ['manage']);
    this.sessions.requireFresh(found.session);
    return found;
  }

  /**
   * The old computer types the code. Only the user's own pending requests are searched, and every
   * try is counted before it is compared (waits, then a lock, per user), so a code cannot be
   * guessed from there either; a right code forgets the count.
   */
  async findByCode(caller: Caller, code: string): Promise<ApprovalCandidate> {
    const { db, clock, config } = this.deps;
    const { session, user } = await this.approver(caller);
    const now = clock.now();
    const rules = codeTryRules(config);
    const key = throttleKey('device-approval-code', user.id);
    const verdict = await reserveTry(db, key, now, rules);
    if (verdict.kind === 'wait') throw tooEarly('approval codes', verdict.seconds);
    if (verdict.kind === 'locked') throw new ApiFailure('code_locked', 'too many wrong approval codes: try again later');
    const hash = await approvalCodeHasher(db);
    const matches = await db
      .selectFrom('device_approvals')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('code_hash', '=', hash(code))
      .orderBy('created_at', 'desc')
      .execute();
    const live = matches.find((r) => this.status(r) === 'pending');
    if (!live) {
      await lockIfSpent(db, key, verdict.failures, now, rules);
      const expired = matches.length > 0;
      await appendAudit(db, clock, {
        event: 'device_approval.code_refused',
        actor: user.username,
        userId: user.id,
        details: { reason: expired ? 'expired' : 'wrong', deviceId: session.device_id, failures: verdict.failures },
      });
      if (expired) throw new ApiFailure('code_expired', 'that request expired: the new computer must ask again');
      throw new ApiFailure('code_invalid', 'no pending request of yours has this code');
    }
    await forgetTries(db, key);
    if (live.jkt === caller.jkt) {
      await appendAudit(db, clock, {
        event: 'device_approval.code_refused',
        actor: user.username,
        userId: user.id,
        details: { reason: 'same_device', requestId: live.id, deviceId: session.device_id, failures: 0 },
      });
      throw new ApiFailure('approval_refused', 'a computer cannot approve its own request');
    }
    // Only the session that typed the code may decide: the request id alone approves nothing.
    await db
      .updateTable('device_approvals')
      .set({ found_by_session_id: session.id })
      .where('id', '=', live.id)
      .where('status', '=', 'pending')
      .execute();
    const device = await db.selectFrom('devices').selectAll().where('id', '=', live.device_id).executeTakeFirstOrThrow();
    return {
      id: live.id,
      device: { name: device.label ?? device.name, platform: platformOf(device.platform), osVersion: device.os_version },
      createdAt: live.created_at,
      expiresAt: live.expires_at,
    };
  }

  /** "Is this your new computer?": yes approves it, once; no denies it. Either way its code is spent. */
  async decide(caller: Caller, id: string, decision: ApprovalDecision): Promise<ApprovalOutcome> {
    const { db, clock } = this.deps;
    const { session, user } = await this.approver(caller);
    const r = await this.find(id);
    if (!r || r.user_id !== user.id || r.found_by_session_id !== session.id) {
      throw new ApiFailure('not_found', 'find the request by its code first');
    }
    if (this.status(r) !== 'pending') throw new ApiFailure('request_closed', `the request is ${this.status(r)}`);
    const now = clock.now();
    const status = decision === 'approve' ? 'approved' : 'denied';
    await transaction(db, async (tx) => {
      const claimed = await tx
        .updateTable('device_approvals')
        .set({
          status,
          code_hash: null,
          decided_at: now.toISOString(),
          decided_by_session_id: session.id,
          approver_device_id: session.device_id,
          approver_credential_id: session.auth_credential_id,
          // The new computer polls: a short while to collect is enough, and an approval left lying lapses.
          ...(status === 'approved' ? { expires_at: addSeconds(now, APPROVAL_RULES.collectSeconds).toISOString() } : {}),
        })
        .where('id', '=', r.id)
        .where('status', '=', 'pending')
        .where('found_by_session_id', '=', session.id)
        .where('expires_at', '>', now.toISOString())
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) throw new ApiFailure('request_closed', 'the request was decided or expired meanwhile');
      await appendAuditIn(tx, clock, {
        event: status === 'approved' ? 'device_approval.approved' : 'device_approval.denied',
        actor: user.username,
        userId: user.id,
        details: {
          requestId: r.id,
          deviceId: session.device_id,
          approvedDeviceId: r.device_id,
          sessionId: session.id,
          credentialId: session.auth_credential_id,
        },
      });
      if (status === 'approved') {
        const newDevice = await tx.selectFrom('devices').select(['id', 'name']).where('id', '=', r.device_id).executeTakeFirstOrThrow();
        await notify(tx, clock, { user, kind: 'device.approved', device: newDevice, details: { requestId: r.id } });
      }
    });
    return { id: r.id, status };
  }

  /**
   * The new computer exchanges its approved request for a `replace` session, with the key that
   * filed it and only once; the approving factor and computer must still be trusted.
   */
  async collect(id: string, jkt: string, signals: DeviceSignals): Promise<{ token: string; session: SessionView; kiosk: false }> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    const r = await this.find(id);
    if (!r) throw new ApiFailure('not_found', 'no such approval request');
    if (r.jkt !== jkt) {
      await appendAudit(db, clock, {
        event: 'device_approval.collect_refused',
        actor: 'anonymous',
        userId: r.user_id,
        details: { requestId: r.id, reason: 'other_device', deviceId: await this.devices.idOf(jkt) },
      });
      throw new ApiFailure('device_mismatch', 'an approval opens a session only for the computer that asked for it');
    }
    const status = this.status(r);
    if (status === 'pending') throw new ApiFailure('request_pending', 'the old computer has not approved this request yet');
    if (status !== 'approved' || !r.user_id) throw new ApiFailure('request_closed', `the request is ${status}`);
    const user = await db.selectFrom('users').selectAll().where('id', '=', r.user_id).executeTakeFirstOrThrow();
    const approving = r.approver_credential_id
      ? await db.selectFrom('credentials').select('status').where('id', '=', r.approver_credential_id).executeTakeFirst()
      : undefined;
    if (approving?.status !== 'active') throw new ApiFailure('request_closed', 'the factor that approved this request no longer counts');
    // A computer revoked since it approved (lost, stolen) approves nothing any more.
    const approver = await this.devices.byId(db, r.approver_device_id);
    if (!approver || approver.revoked_at)
      throw new ApiFailure('request_closed', 'the computer that approved this request is no longer trusted');
    const device = await this.devices.record(jkt, signals);
    const { token, row } = this.sessions.create({
      user,
      purpose: 'replace',
      jkt,
      deviceId: device.id,
      ttlSeconds: config.sessionTtlSeconds,
      openedBy: 'device-approval',
    });
    const nowIso = this.nowIso();
    await transaction(db, async (tx) => {
      await assertUserActive(tx, user.id, clock.now());
      const claimed = await tx
        .updateTable('device_approvals')
        .set({ status: 'collected', collected_at: nowIso, session_id: row.id })
        .where('id', '=', r.id)
        .where('jkt', '=', jkt)
        .where('status', '=', 'approved')
        .where('expires_at', '>', nowIso)
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) throw new ApiFailure('request_closed', 'the approval was already used');
      await tx.insertInto('sessions').values(row).execute();
      await appendAuditIn(tx, clock, {
        event: 'device_approval.collected',
        actor: user.username,
        userId: user.id,
        details: { requestId: r.id, sessionId: row.id, deviceId: device.id, approverDeviceId: r.approver_device_id },
      });
      await appendAuditIn(tx, clock, {
        event: 'session.opened',
        actor: user.username,
        userId: user.id,
        details: { sessionId: row.id, purpose: row.purpose, deviceId: device.id, requestId: r.id },
      });
    });
    return { token, session: this.sessions.view(row, user), kiosk: false };
  }
}
