import { benchAgent, CHECKED } from '../support/operators.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiFailure } from '../../server/errors.js';
import { approvedRequest, ATTACK_DEVICE, auditTrail, race, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';

/**
 * What an attacker tries against help-desk recovery: guessing, racing and replaying the one-time
 * code, redeeming from another device or another request, and talking an agent into approving
 * the wrong thing. The Helpdesk module runs on a real in-memory database.
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

const failure = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });

async function attempts(id: string): Promise<{ status: string; code_attempts: number }> {
  return b.db.selectFrom('recovery_requests').select(['status', 'code_attempts']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe('the help-desk code', () => {
  it('redeems once, on the filing device, for the user the request names', async () => {
    const { id, code } = await approved();
    const { user, request } = await b.helpdesk.redeem(id, code, VICTIM_DEVICE);
    expect(user.username).toBe('ada');
    expect(request.id).toBe(id);
    expect((await b.helpdesk.statusFor(id, VICTIM_DEVICE)).status).toBe('redeemed');
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).rejects.toEqual(failure('request_closed'));
    expect(await auditTrail(b.db, 'recovery.helpdesk_code_used')).toEqual([
      expect.objectContaining({ actor: 'ada', details: expect.objectContaining({ requestId: id }) as unknown }) as unknown,
    ]);
  });

  it('accepts the code as people type it: lower case, spaces, look-alike letters', async () => {
    const { id, code } = await approved();
    const typed = code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    await expect(b.helpdesk.redeem(id, typed, VICTIM_DEVICE)).resolves.toMatchObject({ user: { username: 'ada' } });
  });

  it('a garbage code ("not a code") against an APPROVED request does not redeem, and counts as a wrong try', async () => {
    const { id, code } = await approved();
    for (const garbage of ['not a code', '', 'AAAA-BBBB-CCCC', `${code}-AAAA`, code.slice(0, -1)]) {
      await expect(b.helpdesk.redeem(id, garbage, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_code_invalid'));
    }
    expect(await attempts(id)).toEqual({ status: 'locked', code_attempts: MAX });
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_locked'));
  });

  it("a code is tied to its request: another request's code, or an unknown request id, never redeems", async () => {
    const first = await approved();
    const second = await approved('bob');
    await expect(b.helpdesk.redeem(first.id, second.code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_code_invalid'));
    for (const id of ['no-such-request', '', `${first.id} `, first.id.toUpperCase()]) {
      await expect(b.helpdesk.redeem(id, first.code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_code_invalid'));
    }
    // Both codes still work where they belong.
    await expect(b.helpdesk.redeem(first.id, first.code, VICTIM_DEVICE)).resolves.toMatchObject({ user: { username: 'ada' } });
    await expect(b.helpdesk.redeem(second.id, second.code, VICTIM_DEVICE)).resolves.toMatchObject({ user: { username: 'bob' } });
  });

  it('the right code from another device is refused, does not count as a try, and is audited', async () => {
    const { id, code } = await approved();
    await b.devices.record(ATTACKER_DEVICE, { ...ATTACK_DEVICE, name: 'attacker' });
    await expect(b.helpdesk.redeem(id, code, ATTACKER_DEVICE)).rejects.toEqual(failure('device_mismatch'));
    await expect(b.helpdesk.statusFor(id, ATTACKER_DEVICE)).rejects.toEqual(failure('not_found'));
    expect(await attempts(id)).toEqual({ status: 'approved', code_attempts: 0 });
    const refusals = await auditTrail(b.db, 'recovery.helpdesk_code_refused');
    expect(refusals).toEqual([
      expect.objectContaining({
        actor: 'anonymous',
        details: expect.objectContaining({ requestId: id, reason: 'other_device' }) as unknown,
      }) as unknown,
    ]);
    expect(refusals[0]?.details.deviceId).toBe(await b.devices.idOf(ATTACKER_DEVICE));
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).resolves.toBeDefined();
  });

  it('two concurrent redemptions of one code: exactly one wins', async () => {
    const { id, code } = await approved();
    const attempts = Array.from({ length: 4 }, () => b.helpdesk.redeem(id, code, VICTIM_DEVICE));
    const { won, refused } = await race(attempts);
    expect(won).toHaveLength(1);
    expect(refused).toEqual(['request_closed', 'request_closed', 'request_closed']);
    const messages = await Promise.all(
      attempts.map((a) =>
        a.then(
          () => 'won',
          (e: unknown) => (e as Error).message,
        ),
      ),
    );
    for (const message of messages.filter((m) => m !== 'won')) {
      expect(['the help-desk code was already used', 'the request is redeemed', 'the request was decided meanwhile']).toContain(message);
    }
    expect(await auditTrail(b.db, 'recovery.helpdesk_code_used')).toHaveLength(1);
  });

  it('concurrent guessing: the attempt limit holds however many guesses race, and the lock sticks', async () => {
    const { id, code } = await approved();
    const guesses = Array.from({ length: 12 }, (_, i) =>
      b.helpdesk.redeem(id, `AAAA-BBBB-CCCC-${String(i).padStart(4, '0')}`, VICTIM_DEVICE),
    );
    const { won, refused } = await race(guesses);
    expect(won).toEqual([]);
    // Only MAX guesses are ever checked; every other one is told the request is locked (or closed under it).
    expect(refused.filter((r) => r === 'recovery_code_invalid')).toHaveLength(MAX);
    expect(refused.every((r) => ['recovery_code_invalid', 'recovery_locked', 'request_closed'].includes(r))).toBe(true);
    expect((await attempts(id)).status).toBe('locked');
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_locked'));
  });

  it('the last allowed try may be the right one; the try after the limit locks even with the right code', async () => {
    const { id, code } = await approved();
    for (let i = 1; i < MAX; i++) await expect(b.helpdesk.redeem(id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE)).rejects.toThrow(ApiFailure);
    expect(await attempts(id)).toEqual({ status: 'approved', code_attempts: MAX - 1 });
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).resolves.toBeDefined();

    const other = await approved();
    for (let i = 1; i < MAX; i++) await b.helpdesk.redeem(other.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE).catch(() => undefined);
    // The MAX-th wrong try is still "not recognised", and it locks the request.
    await expect(b.helpdesk.redeem(other.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE)).rejects.toEqual(failure('recovery_code_invalid'));
    expect(await attempts(other.id)).toEqual({ status: 'locked', code_attempts: MAX });
    expect((await b.helpdesk.statusFor(other.id, VICTIM_DEVICE)).status).toBe('locked');
    await expect(b.helpdesk.redeem(other.id, other.code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_locked'));
    expect(await attempts(other.id)).toEqual({ status: 'locked', code_attempts: MAX });
    const reasons = (await auditTrail(b.db, 'recovery.helpdesk_code_refused')).filter((e) => e.details.requestId === other.id);
    expect(reasons.map((e) => e.details.reason)).toEqual([...Array<string>(MAX - 1).fill('wrong'), 'locked']);
  });

  it('a guess that comes while MAX tries are in flight is told the request is locked, is never checked, and locks it', async () => {
    const { id, code } = await approved();
    // Reserve MAX tries' worth of attempts as if they were in flight, then a right code arrives as try MAX + 1.
    await b.db.updateTable('recovery_requests').set({ code_attempts: MAX }).where('id', '=', id).execute();
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).rejects.toEqual(failure('recovery_locked'));
    expect(await attempts(id)).toEqual({ status: 'locked', code_attempts: MAX });
  });

  it('a code expires helpdeskCodeTtlSeconds after approval, to the millisecond', async () => {
    const early = await approved();
    const late = await approved();
    b.clock.advanceMs(600_000 - 1);
    await expect(b.helpdesk.redeem(early.id, early.code, VICTIM_DEVICE)).resolves.toBeDefined();
    b.clock.advanceMs(1);
    await expect(b.helpdesk.redeem(late.id, late.code, VICTIM_DEVICE)).rejects.toEqual(failure('code_expired'));
    expect((await b.helpdesk.statusFor(late.id, VICTIM_DEVICE)).status).toBe('expired');
    expect(await attempts(late.id)).toEqual({ status: 'approved', code_attempts: 0 });
  });

  it('a pending request redeems nothing, and lapses helpdeskRequestTtlSeconds after filing', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    await expect(b.helpdesk.redeem(request.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE)).rejects.toEqual(failure('request_pending'));
    b.clock.advanceMs(3_600_000 - 1);
    expect((await b.helpdesk.statusFor(request.id, VICTIM_DEVICE)).status).toBe('pending');
    b.clock.advanceMs(1);
    expect((await b.helpdesk.statusFor(request.id, VICTIM_DEVICE)).status).toBe('expired');
    await expect(b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED)).rejects.toEqual(failure('request_closed'));
    await expect(b.helpdesk.redeem(request.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE)).rejects.toEqual(failure('request_closed'));
  });
});

describe('what an agent can be talked into', () => {
  it('denying an already-approved request kills its code', async () => {
    const { id, code } = await approved();
    const denied = await b.helpdesk.deny(id, 'ada', await benchAgent(b, 'grace'), 'the caller failed the callback');
    expect(denied).toMatchObject({ status: 'denied', decidedBy: 'grace' });
    const row = await b.db.selectFrom('recovery_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'denied', code_hash: null, deny_reason: 'the caller failed the callback' });
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).rejects.toEqual(failure('request_closed'));
    // Once denied, nothing reopens it.
    await expect(b.helpdesk.deny(id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason)).rejects.toEqual(failure('request_closed'));
    await expect(b.helpdesk.approve(id, 'ada', await benchAgent(b, 'hopper'), CHECKED)).rejects.toEqual(failure('request_closed'));
  });

  it('a redeemed or locked request cannot be denied or approved again', async () => {
    const { id, code } = await approved();
    await b.helpdesk.redeem(id, code, VICTIM_DEVICE);
    await expect(b.helpdesk.deny(id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason)).rejects.toEqual(failure('request_closed'));
    await expect(b.helpdesk.approve(id, 'ada', await benchAgent(b, 'hopper'), CHECKED)).rejects.toEqual(failure('request_closed'));
  });

  it('an approved request cannot be approved again for a fresh code', async () => {
    const { id, code } = await approved();
    await expect(b.helpdesk.approve(id, 'ada', await benchAgent(b, 'hopper'), CHECKED)).rejects.toEqual(failure('request_closed'));
    await expect(b.helpdesk.redeem(id, code, VICTIM_DEVICE)).resolves.toBeDefined();
  });

  it("refuses to approve or deny a request under another user's name, an unknown request, or the agent's own account", async () => {
    await b.addUser('mallory');
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    await expect(b.helpdesk.approve(request.id, 'mallory', await benchAgent(b, 'grace'), CHECKED)).rejects.toEqual(
      failure('approval_refused'),
    );
    await expect(b.helpdesk.deny(request.id, 'mallory', await benchAgent(b, 'grace'), CHECKED.reason)).rejects.toEqual(
      failure('approval_refused'),
    );
    await expect(b.helpdesk.approve('no-such-request', 'ada', await benchAgent(b, 'grace'), CHECKED)).rejects.toEqual(failure('not_found'));
    await expect(b.helpdesk.deny('no-such-request', 'ada', await benchAgent(b, 'grace'), CHECKED.reason)).rejects.toEqual(
      failure('not_found'),
    );
    await expect(b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'ADA'), CHECKED)).rejects.toEqual(failure('approval_refused'));
    const reasons = (await auditTrail(b.db, 'recovery.approval_refused')).map((e) => [e.actor, e.details.action, e.details.reason]);
    expect(reasons).toEqual([
      ['account:grace', 'approve', 'other_user'],
      ['account:grace', 'deny', 'other_user'],
      // Typed in another case, it is still Ada's own account, and the trail names it as stored.
      ['account:ada', 'approve', 'own_account'],
    ]);
    // Still pending and still approvable by the right agent for the right user.
    await expect(b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED)).resolves.toMatchObject({
      request: { status: 'approved' },
    });
  });

  it('a request for a username nobody has can be denied but never approved', async () => {
    const request = await b.helpdesk.file('nobody.here', VICTIM_DEVICE, ATTACK_DEVICE);
    expect(request.status).toBe('pending');
    await expect(b.helpdesk.approve(request.id, 'nobody.here', await benchAgent(b, 'grace'), CHECKED)).rejects.toEqual(
      failure('approval_refused'),
    );
    expect((await auditTrail(b.db, 'recovery.approval_refused'))[0]?.details.reason).toBe('unknown_user');
    await expect(b.helpdesk.deny(request.id, 'nobody.here', await benchAgent(b, 'grace'), CHECKED.reason)).resolves.toMatchObject({
      status: 'denied',
    });
  });

  it('a privileged user needs two different agents: the same agent twice yields nothing', async () => {
    const request = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    const first = await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED);
    expect(first).toEqual({ request: expect.objectContaining({ status: 'pending', approvalsRequired: 2 }) as unknown });
    await expect(b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED)).rejects.toEqual(
      failure('approval_refused'),
    );
    expect((await auditTrail(b.db, 'recovery.approval_refused')).map((e) => e.details.reason)).toEqual(['same_agent']);
    await expect(b.helpdesk.redeem(request.id, 'AAAA-BBBB-CCCC-DDDD', VICTIM_DEVICE)).rejects.toEqual(failure('request_pending'));
    const second = await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'hopper'), CHECKED);
    expect(second.request).toMatchObject({ status: 'approved', approvalsRequired: 2, decidedBy: 'grace,hopper' });
    await expect(b.helpdesk.redeem(request.id, second.code!, VICTIM_DEVICE)).resolves.toMatchObject({ user: { username: 'root.admin' } });
  });

  it('a user promoted to admin after filing needs two agents: the policy at approval time decides', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    expect((await b.helpdesk.list()).find((r) => r.id === request.id)?.approvalsRequired).toBe(1);
    await b.db.updateTable('users').set({ role: 'admin' }).where('username', '=', 'ada').execute();
    const first = await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED);
    expect(first.code).toBeUndefined();
    expect(first.request).toMatchObject({ status: 'pending', approvalsRequired: 2 });
    expect((await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'hopper'), CHECKED)).code).toBeDefined();
  });

  it('racing approvals by two agents of a privileged request yield exactly one code', async () => {
    const request = await b.helpdesk.file('root.admin', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'grace'), CHECKED);
    const approvals = [
      b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'hopper'), CHECKED),
      b.helpdesk.approve(request.id, 'root.admin', await benchAgent(b, 'lovelace'), CHECKED),
    ];
    const { won, refused } = await race(approvals);
    expect(won.filter((w) => w.code !== undefined)).toHaveLength(1);
    expect(refused).toEqual(['request_closed']);
    const said = await Promise.all(
      approvals.map((a) =>
        a.then(
          () => 'won',
          (e: unknown) => (e as Error).message,
        ),
      ),
    );
    expect(said.filter((m) => m !== 'won')[0]).toMatch(/^the request (was decided meanwhile|is approved)$/);
  });

  it('the help desk lists open requests by default and every request on demand', async () => {
    const open = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    const { id: approvedId } = await approved('bob');
    await b.addUser('eve');
    const closed = await b.helpdesk.file('eve', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.helpdesk.deny(closed.id, 'eve', await benchAgent(b, 'grace'), CHECKED.reason);
    expect((await b.helpdesk.list()).map((r) => r.id).sort()).toEqual([open.id, approvedId].sort());
    expect(await b.helpdesk.list(true)).toHaveLength(3);
  });
});

describe('timing and races an attacker can try', () => {
  it('a code approved just before its request would lapse lives its full lifetime', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    b.clock.advance(3500);
    const { code } = await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED);
    b.clock.advance(200); // past the request's own lapse time, inside the code's
    expect((await b.helpdesk.statusFor(request.id, VICTIM_DEVICE)).status).toBe('approved');
    await expect(b.helpdesk.redeem(request.id, code!, VICTIM_DEVICE)).resolves.toBeDefined();
  });

  it('once denied or redeemed, a request shows when the request lapses, not when its dead code would have', async () => {
    const { id } = await approved();
    const filed = (await b.db.selectFrom('recovery_requests').select('expires_at').where('id', '=', id).executeTakeFirstOrThrow())
      .expires_at;
    const view = await b.helpdesk.deny(id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason);
    expect(view.expiresAt).toBe(filed);
    expect((await b.helpdesk.statusFor(id, VICTIM_DEVICE)).expiresAt).toBe(filed);
  });

  it('two agents denying one request at once: exactly one decision is recorded', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    const denials = [
      b.helpdesk.deny(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED.reason),
      b.helpdesk.deny(request.id, 'ada', await benchAgent(b, 'hopper'), CHECKED.reason),
    ];
    const { won, refused } = await race(denials);
    expect(won).toHaveLength(1);
    expect(refused).toEqual(['request_closed']);
    const said = await Promise.all(
      denials.map((d) =>
        d.then(
          () => 'won',
          (e: unknown) => (e as Error).message,
        ),
      ),
    );
    expect(said.filter((m) => m !== 'won')[0]).toMatch(/^the request (was decided meanwhile|is denied)$/);
    expect(await auditTrail(b.db, 'recovery.denied')).toHaveLength(1);
  });

  it('the user is notified with the request, the device and the approval count', async () => {
    const request = await b.helpdesk.file('ada', VICTIM_DEVICE, ATTACK_DEVICE);
    const deviceId = await b.devices.idOf(VICTIM_DEVICE);
    await b.helpdesk.approve(request.id, 'ada', await benchAgent(b, 'grace'), CHECKED);
    const denied = await b.helpdesk.file('bob', VICTIM_DEVICE, ATTACK_DEVICE);
    await b.helpdesk.deny(denied.id, 'bob', await benchAgent(b, 'grace'), CHECKED.reason);
    const payloads = (await b.db.selectFrom('notifications').select(['kind', 'payload']).orderBy('id').execute()).map((n) => ({
      kind: n.kind,
      ...(JSON.parse(n.payload) as { device: unknown; details: unknown }),
    }));
    expect(payloads).toMatchObject([
      { kind: 'recovery.requested', device: { id: deviceId, name: ATTACK_DEVICE.name }, details: { requestId: request.id } },
      { kind: 'recovery.approved', details: { requestId: request.id, approvals: 1, required: 1 } },
      { kind: 'recovery.requested', details: { requestId: denied.id } },
      { kind: 'recovery.denied', details: { requestId: denied.id } },
    ]);
  });
});

describe('Help-desk code waits reserved before the code is checked', () => {
  it('guesses racing at once with waits on: only the free tries are checked, the rest wait, however many race', async () => {
    const waits = await recoveryBench({ helpdeskCodeMaxAttempts: 10, helpdeskCodeTtlSeconds: 600, throttleFreeFailures: 3 });
    try {
      await waits.addUser('ada');
      const { id } = await approvedRequest(waits, VICTIM_DEVICE);
      const { refused } = await race(
        Array.from({ length: 12 }, (_, i) => waits.helpdesk.redeem(id, `AAAA-BBBB-CCCC-${String(i).padStart(4, '0')}`, VICTIM_DEVICE)),
      );
      expect(refused.filter((r) => r === 'recovery_code_invalid')).toHaveLength(3);
      expect(refused.filter((r) => r === 'rate_limited')).toHaveLength(9);
      const row = await waits.db
        .selectFrom('recovery_requests')
        .select(['code_attempts', 'next_try_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.code_attempts).toBe(3);
      expect(row.next_try_at).toBe(new Date(waits.clock.now().getTime() + waits.config.throttleBaseSeconds * 1000).toISOString());
    } finally {
      await waits.close();
    }
  });
});
