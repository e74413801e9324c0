import { helpdeskChecklist } from '../policy/schema.js';
import { transaction } from '../db/transaction.js';
import type { DeviceSignals } from '../../api/enrolment.js';
import type { HelpdeskRequestView, RecoveryApprovalResponse, RecoveryRequestStatus, RecoveryRequestView } from '../../api/recovery.js';
import { appendAudit, appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { ServiceDeps } from '../context.js';
import type { RecoveryRequestRow, UserRow } from '../db/schema.js';
import type { DeviceRegistry } from '../enrolment/devices.js';
import { ApiFailure } from '../errors.js';
import { notify } from '../notifications/outbox.js';
import { tierFor } from '../policy/evaluate.js';
import { newId } from '../secrets.js';
import { generateHelpdeskCode, hashSecret } from './codes.js';
import { displayReference, parseReference, storeWithFreshReference } from './reference.js';
import { isActiveUser } from '../accounts/active.js';
import { refuseBreakGlassRecovery } from '../break-glass/refusals.js';
import { redeemHelpdeskCode, requestStatus } from './helpdesk-redemption.js';

/**
 * Help-desk recovery: the user files a request from the app (bound to that device's key); an
 * agent verifies the person out of band and approves it naming the request and the username;
 * privileged users (a tier that requires trusted attestation) need a second, different agent.
 * The final approval yields a one-time code, delivered out of band, that only the filing device
 * can redeem, for at most `helpdeskCodeTtlSeconds`.
 */
/** The account deciding: a person signed in (console) or holding an API token, never the bootstrap token. */
export interface DecidingAgent {
  id: string;
  username: string;
}

/** Why the agent decided, and which of the policy's identity checks they confirmed. */
export interface Decision {
  reason: string;
  checklist: readonly string[];
}

const actorOf = (agent: DecidingAgent): string => `account:${agent.username}`;

export class Helpdesk {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly devices: DeviceRegistry,
  ) {}

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  private status(r: RecoveryRequestRow): RecoveryRequestStatus {
    return requestStatus(r, this.deps.clock.now());
  }

  private userView(r: RecoveryRequestRow): RecoveryRequestView {
    return {
      id: r.id,
      reference: displayReference(r.reference),
      status: this.status(r),
      createdAt: r.created_at,
      expiresAt: r.status === 'approved' && r.code_expires_at ? r.code_expires_at : r.expires_at,
    };
  }

  private async find(requestId: string): Promise<RecoveryRequestRow | undefined> {
    return this.deps.db.selectFrom('recovery_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  }

  /** The request an agent names: by its full id, or by the reference the person read out (any case, with or without the dash). */
  private async findNamed(idOrReference: string): Promise<RecoveryRequestRow | undefined> {
    const byId = await this.find(idOrReference);
    if (byId) return byId;
    const reference = parseReference(idOrReference);
    if (!reference) return undefined;
    return this.deps.db.selectFrom('recovery_requests').selectAll().where('reference', '=', reference).executeTakeFirst();
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
   * Files a request. The answer is the same whether or not the username exists; filing again
   * from the same device for the same username returns the open request instead of a new one.
   */
  async file(username: string, jkt: string, signals: DeviceSignals): Promise<RecoveryRequestView> {
    const { db, clock, config } = this.deps;
    await this.devices.refuseRevoked(jkt);
    await this.devices.refuseStation(jkt);
    await refuseBreakGlassRecovery(db, username, 'help desk');
    const device = await this.devices.record(jkt, signals);
    const open = await db
      .selectFrom('recovery_requests')
      .selectAll()
      .where('username', '=', username)
      .where('jkt', '=', jkt)
      .where('status', '=', 'pending')
      .where('expires_at', '>', this.nowIso())
      .executeTakeFirst();
    if (open) return this.userView(open);
    const user = await this.humanUser(username);
    const tier = user ? tierFor(this.deps.policy.policy, user).tier : null;
    const now = clock.now();
    const fields: Omit<RecoveryRequestRow, 'reference'> = {
      id: newId(),
      username,
      user_id: user?.id ?? null,
      jkt,
      device_id: device.id,
      status: 'pending',
      approvals_required: tier?.requireTrustedAttestation ? 2 : 1,
      created_at: now.toISOString(),
      expires_at: addSeconds(now, config.helpdeskRequestTtlSeconds).toISOString(),
      decided_by: null,
      decided_at: null,
      deny_reason: null,
      code_hash: null,
      code_expires_at: null,
      code_attempts: 0,
      redeemed_at: null,
      next_try_at: null,
    };
    const row = await storeWithFreshReference(
      (reference) =>
        transaction(db, async (tx) => {
          const stored: RecoveryRequestRow = { ...fields, reference };
          await tx.insertInto('recovery_requests').values(stored).execute();
          await appendAuditIn(tx, clock, {
            event: 'recovery.requested',
            actor: 'app',
            userId: stored.user_id,
            details: {
              requestId: stored.id,
              reference: displayReference(reference),
              deviceId: device.id,
              knownUser: user !== undefined,
              approvalsRequired: stored.approvals_required,
            },
          });
          if (user)
            await notify(tx, clock, {
              user,
              kind: 'recovery.requested',
              device: { id: device.id, name: device.name },
              details: { requestId: stored.id },
            });
          return stored;
        }),
      async (reference) =>
        (await db.selectFrom('recovery_requests').select('id').where('reference', '=', reference).executeTakeFirst()) !== undefined,
    );
    return this.userView(row);
  }

  /** The filing device polls its request; any other device is told there is no such request. */
  async statusFor(requestId: string, jkt: string): Promise<RecoveryRequestView> {
    const r = await this.find(requestId);
    if (!r || r.jkt !== jkt) throw new ApiFailure('not_found', 'no such recovery request from this device');
    return this.userView(r);
  }

  async list(all = false): Promise<HelpdeskRequestView[]> {
    const rows = await this.deps.db.selectFrom('recovery_requests').selectAll().orderBy('created_at').execute();
    const views = await Promise.all(rows.map((r) => this.agentView(r)));
    return all ? views : views.filter((v) => v.status === 'pending' || v.status === 'approved');
  }

  private async agentView(r: RecoveryRequestRow): Promise<HelpdeskRequestView> {
    const db = this.deps.db;
    const user = r.user_id ? await db.selectFrom('users').selectAll().where('id', '=', r.user_id).executeTakeFirst() : undefined;
    const device = await db.selectFrom('devices').selectAll().where('id', '=', r.device_id).executeTakeFirstOrThrow();
    const approvals = await db
      .selectFrom('recovery_approvals')
      .selectAll()
      .where('request_id', '=', r.id)
      .orderBy('approved_at')
      .orderBy('agent')
      .execute();
    return {
      id: r.id,
      reference: displayReference(r.reference),
      username: r.username,
      displayName: user?.display_name ?? null,
      tier: user ? tierFor(this.deps.policy.policy, user).name : null,
      status: this.status(r),
      approvalsRequired: r.approvals_required,
      approvals: approvals.map((a) => ({ agent: a.agent, at: a.approved_at })),
      createdAt: r.created_at,
      expiresAt: r.status === 'approved' && r.code_expires_at ? r.code_expires_at : r.expires_at,
      device: { id: device.id, name: device.name, platform: device.platform, osVersion: device.os_version, kind: device.kind },
      decidedBy: r.decided_by,
      decidedAt: r.decided_at,
    };
  }

  /** Checks that an agent's decision names the request's own user and that it is still open. */
  private async decidable(
    idOrReference: string,
    username: string,
    agent: DecidingAgent,
    action: 'approve' | 'deny',
  ): Promise<{ r: RecoveryRequestRow; user: UserRow | undefined }> {
    const r = await this.findNamed(idOrReference);
    if (!r) throw new ApiFailure('not_found', `no recovery request with the id or reference ${idOrReference}`);
    const requestId = r.id;
    const refuse = async (reason: string, message: string): Promise<never> => {
      await appendAudit(this.deps.db, this.deps.clock, {
        event: 'recovery.approval_refused',
        actor: actorOf(agent),
        userId: r.user_id,
        details: { requestId, action, reason, deviceId: r.device_id },
      });
      throw new ApiFailure('approval_refused', message);
    };
    if (r.username !== username) await refuse('other_user', "approval for another user's request: the username does not match the request");
    const status = this.status(r);
    const open = action === 'approve' ? status === 'pending' : status === 'pending' || status === 'approved';
    if (!open) throw new ApiFailure('request_closed', `the request is ${status}`);
    const user = r.user_id ? await this.deps.db.selectFrom('users').selectAll().where('id', '=', r.user_id).executeTakeFirst() : undefined;
    if (action === 'approve') {
      if (!user) await refuse('unknown_user', 'no such user: deny this request');
      if (agent.id === user?.id) await refuse('own_account', 'an agent cannot approve the recovery of their own account');
    }
    return { r, user };
  }

  /** `idOrReference`: the request's full id, or the reference the person read out. */
  async approve(idOrReference: string, username: string, agent: DecidingAgent, decision: Decision): Promise<RecoveryApprovalResponse> {
    const { db, clock, config } = this.deps;
    const { r, user } = await this.decidable(idOrReference, username, agent, 'approve');
    if (!user) throw new ApiFailure('approval_refused', 'no such user');
    const missing = helpdeskChecklist(this.deps.policy.policy).filter((item) => !decision.checklist.includes(item.id));
    if (missing.length > 0) {
      throw new ApiFailure(
        'invalid_request',
        `confirm every identity check before approving: ${missing.map((m) => `${m.id} (${m.label})`).join(', ')}`,
      );
    }
    // The policy in force now decides (a user made admin since filing needs two agents); a service account gets none.
    const required = Math.max(r.approvals_required, tierFor(this.deps.policy.policy, user).tier.requireTrustedAttestation ? 2 : 1);
    const code = generateHelpdeskCode();
    const codeHash = await hashSecret(code.secret);
    const codeExpiresAt = addSeconds(clock.now(), config.helpdeskCodeTtlSeconds).toISOString();
    const outcome = await transaction(db, async (tx) => {
      const inserted = await tx
        .insertInto('recovery_approvals')
        .values({ request_id: r.id, agent: agent.username, agent_id: agent.id, approved_at: this.nowIso() })
        // Unique per (request, account) and per (request, name): the same person twice is no second approval.
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) return 'same_agent' as const;
      const approvals = await tx
        .selectFrom('recovery_approvals')
        .select('agent')
        .where('request_id', '=', r.id)
        .orderBy('approved_at')
        .orderBy('agent')
        .execute();
      if (required > r.approvals_required)
        await tx.updateTable('recovery_requests').set({ approvals_required: required }).where('id', '=', r.id).execute();
      const final = approvals.length >= required;
      if (final) {
        const claimed = await tx
          .updateTable('recovery_requests')
          .set({
            status: 'approved',
            code_hash: codeHash,
            code_expires_at: codeExpiresAt,
            decided_by: approvals.map((a) => a.agent).join(','),
            decided_at: this.nowIso(),
          })
          .where('id', '=', r.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (claimed.numUpdatedRows !== 1n) throw new ApiFailure('request_closed', 'the request was decided meanwhile');
      }
      const details = {
        requestId: r.id,
        approvals: approvals.length,
        required,
        final,
        deviceId: r.device_id,
        reason: decision.reason,
        checked: decision.checklist.join(','),
      };
      await appendAuditIn(tx, clock, { event: 'recovery.approved', actor: actorOf(agent), userId: user.id, details });
      if (final)
        await appendAuditIn(tx, clock, {
          event: 'recovery.helpdesk_code_issued',
          actor: actorOf(agent),
          userId: user.id,
          details: { requestId: r.id, expiresAt: codeExpiresAt, deviceId: r.device_id },
        });
      await notify(tx, clock, { user, kind: 'recovery.approved', details: { requestId: r.id, approvals: approvals.length, required } });
      return final ? ('final' as const) : ('partial' as const);
    });
    if (outcome === 'same_agent') {
      await appendAudit(db, clock, {
        event: 'recovery.approval_refused',
        actor: actorOf(agent),
        userId: user.id,
        details: { requestId: r.id, action: 'approve', reason: 'same_agent', deviceId: r.device_id },
      });
      throw new ApiFailure('approval_refused', `${agent.username} already approved this request: a second, different agent must approve`);
    }
    const request = await this.agentView((await this.find(r.id)) ?? r);
    return outcome === 'final' ? { request, code: code.display, codeExpiresAt } : { request };
  }

  async deny(idOrReference: string, username: string, agent: DecidingAgent, reason: string): Promise<HelpdeskRequestView> {
    const { db, clock } = this.deps;
    const { r, user } = await this.decidable(idOrReference, username, agent, 'deny');
    await transaction(db, async (tx) => {
      const result = await tx
        .updateTable('recovery_requests')
        .set({ status: 'denied', decided_by: agent.username, decided_at: this.nowIso(), deny_reason: reason, code_hash: null })
        .where('id', '=', r.id)
        .where('status', 'in', ['pending', 'approved'])
        .executeTakeFirst();
      if (result.numUpdatedRows !== 1n) throw new ApiFailure('request_closed', 'the request was decided meanwhile');
      await appendAuditIn(tx, clock, {
        event: 'recovery.denied',
        actor: actorOf(agent),
        userId: r.user_id,
        details: { requestId: r.id, reason, deviceId: r.device_id },
      });
      if (user) await notify(tx, clock, { user, kind: 'recovery.denied', details: { requestId: r.id } });
    });
    return this.agentView((await this.find(r.id)) ?? r);
  }

  /** Spends the help-desk code of an approved request, from the device that filed it (helpdesk-redemption.ts). */
  redeem(requestId: string, typed: string, jkt: string): Promise<{ user: UserRow; request: RecoveryRequestRow }> {
    return redeemHelpdeskCode(this.deps, this.devices, requestId, typed, jkt);
  }
}
