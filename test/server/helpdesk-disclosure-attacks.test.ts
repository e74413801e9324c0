import { benchAgent, CHECKED } from '../support/operators.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvedRequest, ATTACK_DEVICE, auditTrail, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';

/**
 * What help-desk recovery discloses: what the filing device, the agent and the user are told, and
 * what a refusal tells the caller (nothing an attacker can use to tell users or requests apart).
 * The Helpdesk module runs on a real in-memory database.
 */

const VICTIM_DEVICE = 'jkt-of-the-device-that-filed-000000000000';
const ATTACKER_DEVICE = 'jkt-of-an-attackers-device-0000000000000';
const MAX = 5;

let b: RecoveryBench;
beforeEach(async () => {
  // The hard lock alone: the waits before it are throttling.test.ts's subject.
  b = await recoveryBench({
    helpdeskCodeMaxAttempts: MAX,
    helpdeskCodeTtlSeconds: 600,
    helpdeskRequestTtlSeconds: 3600,
    throttleFreeFailures: 10,
  });
  await b.addUser('ada');
  await b.addUser('root.admin', 'admin');
  await b.addUser('bob');
});
afterEach(() => b.close());

/** A request filed by the victim's device and approved by one agent: the code the help desk reads out. */
const approved = (username = 'ada') => approvedRequest(b, VICTIM_DEVICE, username);

describe('what the filer, the agent and the user are told', () => {
  const notified = async (username: string) =>
    (
      await b.db
        .selectFrom('notifications')
        .innerJoin('users', 'users.id', 'notifications.user_id')
        .select(['notifications.kind'])
        .where('users.username', '=', username)
        .orderBy('notifications.id')
        .execute()
    ).map((n) => n.kind);

  it('the filer sees when the request lapses, then when the code does; filing again returns the same open request', async () => {
    const filedAt = b.clock.now();
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    expect(request).toEqual({
      id: request.id,
      reference: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/) as unknown,
      status: 'pending',
      createdAt: filedAt.toISOString(),
      expiresAt: new Date(filedAt.getTime() + 3_600_000).toISOString(),
    });
    b.clock.advance(10);
    expect(await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE)).toEqual(request);
    const answer = await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED);
    expect(answer.codeExpiresAt).toBe(new Date(filedAt.getTime() + 10_000 + 600_000).toISOString());
    expect(await b.helpdesk.statusFor(request.id, VICTIM_DEVICE)).toEqual({
      ...request,
      status: 'approved',
      expiresAt: answer.codeExpiresAt,
    });
    // A lapsed request is not reused: filing again makes a new one.
    const other = await b.helpdesk.file('bob', VICTIM_DEVICE, ATTACK_DEVICE);
    b.clock.advance(3600);
    const again = await b.helpdesk.file('bob', VICTIM_DEVICE, ATTACK_DEVICE);
    expect(again.id).not.toBe(other.id);
    expect(again.status).toBe('pending');
  });

  it('the agent sees who filed from which device, under which tier, and who decided when', async () => {
    const request = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    const device = await b.db.selectFrom('devices').selectAll().where('jkt', '=', VICTIM_DEVICE).executeTakeFirstOrThrow();
    const pending = (await b.helpdesk.list()).find((r) => r.id === request.id);
    expect(pending).toEqual({
      id: request.id,
      reference: request.reference,
      username: 'root.admin',
      displayName: 'root.admin',
      tier: 'privileged',
      status: 'pending',
      approvalsRequired: 2,
      approvals: [],
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
      device: { id: device.id, name: ATTACK_DEVICE.name, platform: 'linux', osVersion: '6.1', kind: 'personal' },
      decidedBy: null,
      decidedAt: null,
    });
    b.clock.advance(5);
    await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'hopper'), CHECKED);
    b.clock.advance(5);
    const final = await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED);
    expect(final.request).toMatchObject({
      approvals: [
        { agent: 'hopper', at: new Date(Date.parse(request.createdAt) + 5_000).toISOString() },
        { agent: 'grace', at: new Date(Date.parse(request.createdAt) + 10_000).toISOString() },
      ],
      decidedBy: 'hopper,grace',
      decidedAt: b.clock.now().toISOString(),
      expiresAt: final.codeExpiresAt,
    });
    const unknown = await b.helpdesk.file('nobody.here', VICTIM_DEVICE, ATTACK_DEVICE);
    expect((await b.helpdesk.list()).find((r) => r.id === unknown.id)).toMatchObject({
      displayName: null,
      tier: null,
      approvalsRequired: 1,
    });
  });

  it('every step is in the audit trail with its device, and the user is notified of each', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    const deviceId = await b.devices.idOf(VICTIM_DEVICE);
    const { code } = await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED);
    await b.helpdesk.file('nobody.here', VICTIM_DEVICE, ATTACK_DEVICE);
    const trail = await auditTrail(b.db);
    expect(trail.filter((e) => e.event === 'recovery.requested').map((e) => e.details)).toEqual([
      { requestId: request.id, reference: request.reference, deviceId, knownUser: true, approvalsRequired: 1 },
      expect.objectContaining({ knownUser: false, approvalsRequired: 1 }),
    ]);
    expect(trail.filter((e) => e.event === 'recovery.requested').map((e) => e.actor)).toEqual(['app', 'app']);
    expect(trail.find((e) => e.event === 'recovery.approved')).toEqual({
      event: 'recovery.approved',
      actor: 'account:grace',
      details: {
        requestId: request.id,
        approvals: 1,
        required: 1,
        final: true,
        deviceId,
        reason: CHECKED.reason,
        checked: 'callback,identity',
      },
    });
    expect(trail.find((e) => e.event === 'recovery.helpdesk_code_issued')).toMatchObject({
      actor: 'account:grace',
      details: { requestId: request.id, deviceId, expiresAt: expect.any(String) as unknown },
    });
    await b.helpdesk.redeem(request.id, code!, VICTIM_DEVICE);
    expect((await auditTrail(b.db, 'recovery.helpdesk_code_used'))[0]?.details).toEqual({ requestId: request.id, deviceId });
    const denied = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.helpdesk.deny(denied.id, 'ada', await benchAgent(b, 'hopper'), CHECKED.reason);
    expect((await auditTrail(b.db, 'recovery.denied'))[0]).toEqual({
      event: 'recovery.denied',
      actor: 'account:hopper',
      details: { requestId: denied.id, reason: CHECKED.reason, deviceId },
    });
    expect(await notified('ada')).toEqual(['recovery.requested', 'recovery.approved', 'recovery.requested', 'recovery.denied']);
  });

  it('an approval that is not final notifies the user and records the count, without a code', async () => {
    const request = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    const first = await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED);
    expect(first).toEqual({ request: expect.objectContaining({ status: 'pending' }) as unknown });
    expect((await auditTrail(b.db, 'recovery.approved'))[0]?.details).toMatchObject({ approvals: 1, required: 2, final: false });
    expect(await auditTrail(b.db, 'recovery.helpdesk_code_issued')).toEqual([]);
    const row = await b.db.selectFrom('recovery_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', code_hash: null, code_expires_at: null, decided_by: null });
    expect(await notified('root.admin')).toEqual(['recovery.requested', 'recovery.approved']);
  });

  it('a pending request that lapsed can no longer be denied either', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    b.clock.advance(3600);
    await expect(b.helpdesk.deny(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason)).rejects.toMatchObject({
      code: 'request_closed',
      message: 'the request is expired',
    });
  });
});

describe('what a refusal tells the caller', () => {
  const refusal = async (pending: Promise<unknown>): Promise<[string, string]> => {
    const error = (await pending.then(
      () => ({ code: 'none', message: 'it succeeded' }),
      (e: unknown) => e,
    )) as { code: string; message: string };
    return [error.code, error.message];
  };

  it('each refusal says in plain words what happened, the same for a known and an unknown request', async () => {
    const { id, code } = await approved();
    const pending = await b.helpdesk.file('bob', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.devices.record(ATTACKER_DEVICE, ATTACK_DEVICE);
    expect(await refusal(b.helpdesk.redeem('no-such-request', code, VICTIM_DEVICE))).toEqual([
      'recovery_code_invalid',
      'help-desk code not recognised',
    ]);
    expect(await refusal(b.helpdesk.redeem(id, code, ATTACKER_DEVICE))).toEqual([
      'device_mismatch',
      'a help-desk code works only on the device that asked for it',
    ]);
    expect(await refusal(b.helpdesk.statusFor(id, ATTACKER_DEVICE))).toEqual(['not_found', 'no such recovery request from this device']);
    expect(await refusal(b.helpdesk.redeem(pending.id, code, VICTIM_DEVICE))).toEqual([
      'request_pending',
      'the help desk has not approved this request yet',
    ]);
    expect(await refusal(b.helpdesk.redeem(id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE))).toEqual([
      'recovery_code_invalid',
      'help-desk code not recognised',
    ]);
    expect(await refusal(b.helpdesk.approve('no-such-request', 'ada', await benchAgent(b, 'grace'), CHECKED))).toEqual([
      'not_found',
      'no recovery request with the id or reference no-such-request',
    ]);
    expect(await refusal(b.helpdesk.approve(pending.id, 'ada', await benchAgent(b, 'grace'), CHECKED))).toEqual([
      'approval_refused',
      "approval for another user's request: the username does not match the request",
    ]);
    expect(await refusal(b.helpdesk.approve(pending.id, 'bob', await benchAgent(b, 'Bob'), CHECKED))).toEqual([
      'approval_refused',
      'an agent cannot approve the recovery of their own account',
    ]);
    expect(await refusal(b.helpdesk.approve(id, 'ada', await benchAgent(b, 'hopper'), CHECKED))).toEqual([
      'request_closed',
      'the request is approved',
    ]);
    const nobody = await b.helpdesk.file('nobody.here', VICTIM_DEVICE, ATTACK_DEVICE);
    expect(await refusal(b.helpdesk.approve(nobody.id, 'nobody.here', await benchAgent(b, 'grace'), CHECKED))).toEqual([
      'approval_refused',
      'no such user: deny this request',
    ]);
    await b.helpdesk.redeem(id, code, VICTIM_DEVICE);
    expect(await refusal(b.helpdesk.redeem(id, code, VICTIM_DEVICE))).toEqual(['request_closed', 'the request is redeemed']);
    expect(await refusal(b.helpdesk.deny(id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason))).toEqual([
      'request_closed',
      'the request is redeemed',
    ]);
  });

  it('a locked request and an expired code say so, and what to do next', async () => {
    const { id } = await approved();
    for (let i = 0; i < MAX; i++) await b.helpdesk.redeem(id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE).catch(() => undefined);
    expect(await refusal(b.helpdesk.redeem(id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE))).toEqual([
      'recovery_locked',
      'too many wrong help-desk codes: file a new request',
    ]);
    const late = await approved();
    await b.db.updateTable('recovery_requests').set({ code_attempts: MAX }).where('id', '=', late.id).execute();
    expect(await refusal(b.helpdesk.redeem(late.id, late.code, VICTIM_DEVICE))).toEqual([
      'recovery_locked',
      'too many wrong help-desk codes: file a new request',
    ]);
    const expired = await approved();
    b.clock.advance(600);
    expect(await refusal(b.helpdesk.redeem(expired.id, expired.code, VICTIM_DEVICE))).toEqual([
      'code_expired',
      'the help-desk code expired: file a new request',
    ]);
    const lapsed = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    b.clock.advance(3600);
    expect(await refusal(b.helpdesk.redeem(lapsed.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE))).toEqual([
      'request_closed',
      'the request is expired',
    ]);
  });

  it('the same agent approving twice is told, and it is audited as such', async () => {
    const request = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED);
    expect(await refusal(b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED))).toEqual([
      'approval_refused',
      'grace already approved this request: a second, different agent must approve',
    ]);
    expect(await auditTrail(b.db, 'recovery.approval_refused')).toEqual([
      {
        event: 'recovery.approval_refused',
        actor: 'account:grace',
        details: { requestId: request.id, action: 'approve', reason: 'same_agent', deviceId: await b.devices.idOf(VICTIM_DEVICE) },
      },
    ]);
  });
});
