import { agentBearer, asAgent, CHECKED } from '../support/operators.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CreateSessionResponse } from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import { HelpdeskRequestView, RecoveryApprovalResponse, RecoveryRequestList, RecoveryRequestView } from '../../api/recovery.js';
import { verifyAuditChain } from '../../server/audit.js';
import { Api, expectRefusal, expectStatus, passkey, securityKey, type Device } from '../support/api-harness.js';
import { cliOnDisk } from '../support/cli-on-disk.js';
import { dumpDatabase } from '../support/service-harness.js';

/** Help-desk recovery: a request filed from the app, approved by one agent (two for privileged users), redeemed on the filing device. */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

async function file(device: Device, username: string): Promise<RecoveryRequestView> {
  return RecoveryRequestView.parse(
    expectStatus(await device.call('fileRecoveryRequest', { body: { username, device: device.signals } }), 201),
  );
}

const approve = (id: string, username: string, agent: string) =>
  asAgent(api, agent, 'approveRecovery', { params: { id: id }, body: { username, ...CHECKED } });
const deny = (id: string, username: string, agent: string) =>
  asAgent(api, agent, 'denyRecovery', { params: { id: id }, body: { username, reason: 'caller could not be verified' } });
const redeem = (device: Device, requestId: string, code: string | undefined) => device.recover({ method: 'helpdesk', requestId, code });

/** Recovers on `device` with the redeemed session: a new factor, completion. */
async function finish(device: Device, token: string, factor: 'passkey' | 'security-key') {
  await device.register(token, factor, factor === 'passkey' ? passkey() : securityKey());
  return device.complete(token);
}

describe('help-desk recovery, standard user: one approval', () => {
  it('filed from the app, approved naming the username, redeemed on the filing device only, then the old factor is refused', async () => {
    const lost = await api.device({ name: 'stolen laptop' });
    const oldKey = passkey();
    const { username, credentialId: oldFactor } = await api.enrolled(lost, oldKey, 'passkey');

    const fresh = await api.device({ name: 'loaner laptop' });
    const request = await file(fresh, username);
    expect(request.status).toBe('pending');
    expect(
      RecoveryRequestView.parse(expectStatus(await fresh.call('recoveryRequestStatus', { params: { id: request.id } }), 200)).status,
    ).toBe('pending');
    expectRefusal(await (await api.device()).call('recoveryRequestStatus', { params: { id: request.id } }), 404, 'not_found');
    expectRefusal(await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD'), 409, 'request_pending');

    const listed = RecoveryRequestList.parse(expectStatus(await api.admin('listRecoveryRequests'), 200)).requests;
    expect(listed).toEqual([
      expect.objectContaining({
        id: request.id,
        username,
        tier: 'standard',
        approvalsRequired: 1,
        device: expect.objectContaining({ name: 'loaner laptop' }) as unknown,
      }),
    ]);

    const approved = RecoveryApprovalResponse.parse(expectStatus(await approve(request.id, username, 'grace'), 200));
    expect(approved.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(Date.parse(approved.codeExpiresAt ?? '') - api.clock.now().getTime()).toBe(api.config.helpdeskCodeTtlSeconds * 1000);
    expect(api.config.helpdeskCodeTtlSeconds).toBeLessThanOrEqual(3600);
    expect(RecoveryRequestView.parse((await fresh.call('recoveryRequestStatus', { params: { id: request.id } })).body).status).toBe(
      'approved',
    );

    // The code is useless on any other device, even one holding the request id.
    expectRefusal(await redeem(await api.device(), request.id, approved.code), 403, 'device_mismatch');
    expectRefusal(await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD'), 400, 'recovery_code_invalid');
    const opened = CreateSessionResponse.parse(expectStatus(await redeem(fresh, request.id, approved.code), 201));
    expect(opened.session.purpose).toBe('recover');
    expectRefusal(await redeem(fresh, request.id, approved.code), 410, 'request_closed');

    const done = await finish(fresh, opened.token, 'passkey');
    expect(done.retired?.factors).toEqual([oldFactor]);
    expect(done.recoveryCodes).toHaveLength(10);
    expectRefusal(await fresh.authenticate(username, 'replace', oldKey, { credentialId: oldFactor }), 403, 'factor_revoked');

    const kinds = (await api.notificationsOf(username)).map((n) => n.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['recovery.requested', 'recovery.approved', 'recovery.started', 'recovery.completed', 'factor.revoked']),
    );
    const audit = await api.auditOf(username);
    expect(audit.map((e) => e.event)).toEqual(
      expect.arrayContaining([
        'recovery.requested',
        'recovery.approved',
        'recovery.helpdesk_code_issued',
        'recovery.helpdesk_code_refused',
        'recovery.helpdesk_code_used',
        'recovery.completed',
      ]),
    );
    expect(audit.find((e) => e.event === 'recovery.approved')).toMatchObject({
      actor: 'account:grace',
      details: { requestId: request.id, final: true },
    });
    expect(audit.find((e) => e.event === 'recovery.helpdesk_code_refused' && e.details.reason === 'other_device')).toBeDefined();
    const dump = await dumpDatabase(api.db);
    for (const secret of [approved.code ?? '', (approved.code ?? '').replace(/-/g, ''), opened.token]) expect(dump).not.toContain(secret);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it("an approval naming another user's request is refused, and so is the user approving their own", async () => {
    const a = await api.enrolled(await api.device(), passkey(), 'passkey');
    const b = await api.enrolled(await api.device(), passkey(), 'passkey');
    const request = await file(await api.device(), a.username);
    const refused = await approve(request.id, b.username, 'grace');
    expectRefusal(refused, 409, 'approval_refused');
    expect(JSON.stringify(refused.body)).toContain("another user's request");
    expectRefusal(await approve(request.id, a.username, a.username), 409, 'approval_refused');
    expectRefusal(await deny(request.id, b.username, 'grace'), 409, 'approval_refused');
    expectRefusal(await approve('no-such-request', a.username, 'grace'), 404, 'not_found');
    const refusals = (await api.auditOf(a.username)).filter((e) => e.event === 'recovery.approval_refused').map((e) => e.details.reason);
    expect(refusals).toEqual(['other_user', 'own_account', 'other_user']);
  });

  it('a denied request cannot be redeemed or approved; the user is told', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const request = await file(fresh, username);
    expect(HelpdeskRequestView.parse(expectStatus(await deny(request.id, username, 'grace'), 200)).status).toBe('denied');
    expectRefusal(await approve(request.id, username, 'alan'), 410, 'request_closed');
    expectRefusal(await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD'), 410, 'request_closed');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('recovery.denied');
    expect((await api.auditOf(username)).map((e) => e.event)).toContain('recovery.denied');
  });

  it('a request for a username that does not exist looks the same to the filer, and cannot be approved', async () => {
    const fresh = await api.device();
    const request = await file(fresh, 'no.such.person');
    expect(request.status).toBe('pending');
    expectRefusal(await approve(request.id, 'no.such.person', 'grace'), 409, 'approval_refused');
    const listed = RecoveryRequestList.parse((await api.admin('listRecoveryRequests')).body).requests;
    expect(listed.find((r) => r.id === request.id)).toMatchObject({ displayName: null, tier: null });
    expectStatus(await deny(request.id, 'no.such.person', 'grace'), 200);
  });

  it('filing twice from one device returns the open request; an approved code expires after helpdeskCodeTtlSeconds', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const request = await file(fresh, username);
    expect((await file(fresh, username)).id).toBe(request.id);
    const { code } = RecoveryApprovalResponse.parse((await approve(request.id, username, 'grace')).body);
    api.clock.advance(api.config.helpdeskCodeTtlSeconds);
    expectRefusal(await redeem(fresh, request.id, code), 410, 'code_expired');
    expect(RecoveryRequestView.parse((await fresh.call('recoveryRequestStatus', { params: { id: request.id } })).body).status).toBe(
      'expired',
    );
  });

  it('a pending request nobody decides lapses after helpdeskRequestTtlSeconds', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const request = await file(await api.device(), username);
    api.clock.advance(api.config.helpdeskRequestTtlSeconds);
    expectRefusal(await approve(request.id, username, 'grace'), 410, 'request_closed');
  });

  it('guessing the help-desk code: wrong codes past the first few wait longer each time, and helpdeskCodeMaxAttempts lock the request', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const request = await file(fresh, username);
    const { code } = RecoveryApprovalResponse.parse((await approve(request.id, username, 'grace')).body);
    const waits: number[] = [];
    for (let i = 0; i < api.config.helpdeskCodeMaxAttempts; i++) {
      let reply = await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD');
      if (reply.status === 429) {
        // Too early: the wait is said, and honoured, before the code is even looked at.
        const wait = ApiError.parse(reply.body).error.retryAfterSeconds ?? 0;
        waits.push(wait);
        api.clock.advance(wait);
        reply = await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD');
      }
      expectRefusal(reply, 400, 'recovery_code_invalid');
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128].slice(0, api.config.helpdeskCodeMaxAttempts - api.config.throttleFreeFailures));
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('codes.guessed');
    expectRefusal(await redeem(fresh, request.id, code), 423, 'recovery_locked');
  });
});

describe('help-desk recovery, privileged user: two different agents', () => {
  it('one approval is not enough, the same agent twice is refused, a second agent yields the code', async () => {
    const lost = await api.device();
    const { username, credentialId: oldKey } = await api.enrolled(lost, securityKey(), 'security-key', { role: 'admin' });
    const fresh = await api.device();
    const request = await file(fresh, username);
    const listed = RecoveryRequestList.parse((await api.admin('listRecoveryRequests')).body).requests;
    expect(listed.find((r) => r.id === request.id)).toMatchObject({ tier: 'privileged', approvalsRequired: 2 });

    const first = RecoveryApprovalResponse.parse(expectStatus(await approve(request.id, username, 'grace'), 200));
    expect(first.code).toBeUndefined();
    expect(first.request).toMatchObject({ status: 'pending', approvals: [expect.objectContaining({ agent: 'grace' })] });
    expectRefusal(await redeem(fresh, request.id, 'AAAA-BBBB-CCCC-DDDD'), 409, 'request_pending');

    const twice = await approve(request.id, username, 'grace');
    expectRefusal(twice, 409, 'approval_refused');
    expect(JSON.stringify(twice.body)).toContain('different agent');
    expectRefusal(await approve(request.id, 'someone.else', 'alan'), 409, 'approval_refused');
    api.clock.advance(60);

    const second = RecoveryApprovalResponse.parse(expectStatus(await approve(request.id, username, 'alan'), 200));
    expect(second.code).toBeDefined();
    expect(second.request.approvals.map((a) => a.agent)).toEqual(['grace', 'alan']);

    const opened = CreateSessionResponse.parse(expectStatus(await redeem(fresh, request.id, second.code), 201));
    const done = await finish(fresh, opened.token, 'security-key');
    expect(done.retired?.factors).toEqual([oldKey]);
    const approvals = (await api.auditOf(username)).filter((e) => e.event === 'recovery.approved');
    expect(approvals.map((e) => [e.actor, e.details.final])).toEqual([
      ['account:grace', false],
      ['account:alan', true],
    ]);
    expect((await api.auditOf(username)).find((e) => e.event === 'recovery.approval_refused')?.details.reason).toBe('same_agent');
  });

  it('the policy at approval time decides: a user made admin after filing needs two agents', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const request = await file(await api.device(), username);
    await api.db.updateTable('users').set({ role: 'admin' }).where('username', '=', username).execute();
    const first = RecoveryApprovalResponse.parse(expectStatus(await approve(request.id, username, 'grace'), 200));
    expect(first.code).toBeUndefined();
    expect(first.request).toMatchObject({ status: 'pending', approvalsRequired: 2 });
  });
});

describe('the admin CLI for the help desk', () => {
  const cli = cliOnDisk('firstkey-helpdesk-');
  const admin = async (...argv: string[]) => cli.admin(argv, await agentBearer(cli.api, 'grace'));

  it('lists, refuses a mismatched username, approves (printing the code once) and denies', async () => {
    const { username } = await cli.api.enrolled(await cli.api.device(), passkey(), 'passkey');
    const fresh = await cli.api.device({ name: 'replacement laptop' });
    const request = RecoveryRequestView.parse(
      (await fresh.call('fileRecoveryRequest', { body: { username, device: fresh.signals } })).body,
    );

    const listed = await admin('list-recovery-requests');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(request.id);
    expect(listed.out).toContain('replacement laptop');
    expect(await admin('approve-recovery', '--request', request.id, '--username', username)).toEqual({
      code: 2,
      out: '--reason is required',
    });
    const mismatch = await admin(
      'approve-recovery',
      '--request',
      request.id,
      '--username',
      'someone.else',
      '--reason',
      'verified',
      '--checklist',
      'callback,identity',
    );
    expect(mismatch.code).toBe(1);
    expect(mismatch.out).toContain("another user's request");

    const approved = await admin(
      'approve-recovery',
      '--request',
      request.id,
      '--username',
      username,
      '--reason',
      'verified',
      '--checklist',
      'callback,identity',
    );
    expect(approved.code).toBe(0);
    const code = /code for \S+: (\S+)/.exec(approved.out)?.[1];
    expect(code).toBeDefined();
    expectStatus(await fresh.recover({ method: 'helpdesk', requestId: request.id, code }), 201);

    const other = RecoveryRequestView.parse((await fresh.call('fileRecoveryRequest', { body: { username, device: fresh.signals } })).body);
    expect((await admin('deny-recovery', '--request', other.id, '--username', username, '--reason', 'no answer')).code).toBe(0);
    expect((await admin('list-recovery-requests', '--all')).out).toContain(`${other.id}  denied`);
  });
});
