import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalCandidate, ApprovalOutcome, ApprovalRequestView, FiledApproval } from '../../api/device-approval.js';
import { CreateSessionResponse } from '../../api/enrolment.js';
import { verifyAuditChain } from '../../server/audit.js';
import { APPROVAL_RULES } from '../../server/device-approval/rules.js';
import { Api, expectRefusal, expectStatus, passkey, securityKey, type Device } from '../support/api-harness.js';
import { dumpDatabase } from '../support/service-harness.js';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * Issue 14, "A passkey-only person with a new computer has no good path": device-to-device
 * approval. The new computer files a request and shows a short code; the old computer, in a fresh
 * manage session opened with its passkey, types the code, sees which computer asked and approves;
 * the new computer collects a replace session, with its own key only, once.
 */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

async function file(device: Device, username: string): Promise<FiledApproval> {
  return FiledApproval.parse(expectStatus(await device.call('fileDeviceApproval', { body: { username, device: device.signals } }), 201));
}
const status = (device: Device, id: string) => device.call('deviceApprovalStatus', { params: { id } });
const collect = (device: Device, id: string) => device.call('collectDeviceApproval', { params: { id }, body: { device: device.signals } });
const find = (device: Device, token: string, code: string) => device.call('findDeviceApproval', { token, body: { code } });
const decide = (device: Device, token: string, id: string, decision: 'approve' | 'deny') =>
  device.call('decideDeviceApproval', { token, params: { id }, body: { decision } });

/** A person whose only factor is a passkey on their old computer, and that computer. */
async function passkeyPerson(): Promise<{ username: string; old: Device; key: SoftAuthenticator; credentialId: string }> {
  const old = await api.device({ name: 'old laptop', platform: 'darwin', osVersion: 'macOS 15.1' });
  const key = passkey();
  const { username, credentialId } = await api.enrolled(old, key, 'passkey');
  return { username, old, key, credentialId };
}

async function statusOf(device: Device, id: string): Promise<ApprovalRequestView['status']> {
  return ApprovalRequestView.parse(expectStatus(await status(device, id), 200)).status;
}

describe('device-to-device approval: the journey', () => {
  it('the old computer approves the code the new one shows; only the new computer collects a replace session, once, and both devices are recorded', async () => {
    const { username, old, key, credentialId } = await passkeyPerson();
    const fresh = await api.device({ name: 'new laptop', platform: 'win32', osVersion: 'Windows 11 24H2' });

    const filed = await file(fresh, username);
    expect(filed.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(filed.status).toBe('pending');
    expect(Date.parse(filed.expiresAt) - api.clock.now().getTime()).toBe(APPROVAL_RULES.requestTtlSeconds * 1000);
    expectRefusal(await collect(fresh, filed.id), 409, 'request_pending');

    const manage = await old.sessionWith(username, 'manage', key);
    // Typed as read aloud: with the space, or a dash.
    const candidate = ApprovalCandidate.parse(expectStatus(await find(old, manage, filed.code.replace(' ', '-')), 200));
    expect(candidate).toMatchObject({ id: filed.id, device: { name: 'new laptop', platform: 'win32', osVersion: 'Windows 11 24H2' } });
    expect(ApprovalOutcome.parse(expectStatus(await decide(old, manage, filed.id, 'approve'), 200))).toEqual({
      id: filed.id,
      status: 'approved',
    });
    expect(await statusOf(fresh, filed.id)).toBe('approved');

    const opened = CreateSessionResponse.parse(expectStatus(await collect(fresh, filed.id), 201));
    expect(opened.session.purpose).toBe('replace');
    expect(opened.session.user.username).toBe(username);
    expectRefusal(await collect(fresh, filed.id), 410, 'request_closed');
    expect(await statusOf(fresh, filed.id)).toBe('collected');

    // On as a replace session does today: a passkey on this computer, completion, both factors active.
    const newKey = passkey();
    const newFactor = await fresh.register(opened.token, 'passkey', newKey);
    // A computer let in by a code read out from another adds its own key; it cannot retire anything.
    const oldDevice = await api.deviceId(old);
    expectRefusal(await fresh.completion(opened.token, { retireFactors: [credentialId] }), 400, 'invalid_request');
    expectRefusal(await fresh.completion(opened.token, { retireDevices: [oldDevice] }), 400, 'invalid_request');
    const done = await fresh.complete(opened.token);
    expect(done.credentials.map((c) => c.id).sort()).toEqual([credentialId, newFactor].sort());
    expect(CreateSessionResponse.parse(expectStatus(await fresh.authenticate(username, 'manage', newKey), 201)).session.purpose).toBe(
      'manage',
    );

    const oldId = await api.deviceId(old);
    const newId = await api.deviceId(fresh);
    const row = await api.db.selectFrom('device_approvals').selectAll().where('id', '=', filed.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ device_id: newId, approver_device_id: oldId, approver_credential_id: credentialId, status: 'collected' });
    const audit = await api.auditOf(username);
    expect(audit.find((e) => e.event === 'device_approval.approved')?.details).toMatchObject({
      requestId: filed.id,
      deviceId: oldId,
      approvedDeviceId: newId,
      credentialId,
    });
    expect(audit.find((e) => e.event === 'device_approval.collected')?.details).toMatchObject({
      requestId: filed.id,
      deviceId: newId,
      approverDeviceId: oldId,
    });
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('device.approved');

    // Stored hashed under a server secret: neither the code nor its plain SHA-256 is in the database.
    const chars = filed.code.replace('-', '');
    expect(chars).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    const dump = await dumpDatabase(api.db);
    expect(dump).not.toContain(createHash('sha256').update(chars).digest('hex'));
    expect(dump).not.toContain(filed.code);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('a denial tells the new computer, and its approval can then never be collected', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device({ name: 'not mine' });
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, filed.code), 200);
    expect(ApprovalOutcome.parse(expectStatus(await decide(old, manage, filed.id, 'deny'), 200)).status).toBe('denied');
    expect(await statusOf(fresh, filed.id)).toBe('denied');
    expectRefusal(await collect(fresh, filed.id), 410, 'request_closed');
    expectRefusal(await decide(old, manage, filed.id, 'approve'), 410, 'request_closed');
    expect((await api.auditOf(username)).map((e) => e.event)).toContain('device_approval.denied');
  });

  it('expiry tells the new computer: an unanswered request lapses, and so does an approval left uncollected', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const lapsed = await file(fresh, username);
    api.clock.advance(APPROVAL_RULES.requestTtlSeconds);
    expect(await statusOf(fresh, lapsed.id)).toBe('expired');
    let manage = await old.sessionWith(username, 'manage', key);
    expectRefusal(await find(old, manage, lapsed.code), 410, 'code_expired');
    expectRefusal(await collect(fresh, lapsed.id), 410, 'request_closed');

    const approved = await file(fresh, username);
    manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, approved.code), 200);
    expectStatus(await decide(old, manage, approved.id, 'approve'), 200);
    api.clock.advance(APPROVAL_RULES.collectSeconds);
    expect(await statusOf(fresh, approved.id)).toBe('expired');
    expectRefusal(await collect(fresh, approved.id), 410, 'request_closed');
  });
});

describe('device-to-device approval: refusals', () => {
  it('the code alone never opens a session: another device key holding the request id can neither read nor collect it', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const thief = await api.device({ name: 'attacker' });
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, filed.code), 200);
    expectStatus(await decide(old, manage, filed.id, 'approve'), 200);

    expectRefusal(await status(thief, filed.id), 404, 'not_found');
    expectRefusal(await collect(thief, filed.id), 403, 'device_mismatch');
    // The approving computer cannot collect it either: the approval is for the key that asked.
    expectRefusal(await collect(old, filed.id), 403, 'device_mismatch');
    expect((await api.auditOf(username)).filter((e) => e.event === 'device_approval.collect_refused')).toHaveLength(2);
    expectStatus(await collect(fresh, filed.id), 201);
  });

  it('approving needs a fresh manage session of the same user: not a replace session, not a stale one, not another user, not the asking computer', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const filed = await file(fresh, username);

    const replace = await old.sessionWith(username, 'replace', key);
    expectRefusal(await find(old, replace, filed.code), 403, 'purpose_not_allowed');

    // Kept alive past the fresh-authentication window by use: the session lives, the assertion is old.
    const stale = await old.sessionWith(username, 'manage', key);
    for (let waited = 0; waited <= api.config.freshAuthSeconds; waited += 60) {
      api.clock.advance(60);
      expectStatus(await old.call('securityOverview', { token: stale }), 200);
    }
    expectRefusal(await find(old, stale, filed.code), 403, 'reauth_required');

    const other = await passkeyPerson();
    const otherManage = await other.old.sessionWith(other.username, 'manage', other.key);
    expectRefusal(await find(other.old, otherManage, filed.code), 400, 'code_invalid');

    // The new computer itself, signed in as the person some other way, cannot approve its own request.
    const again = await file(fresh, username);
    const own = await fresh.sessionWith(username, 'manage', key);
    expectRefusal(await find(fresh, own, again.code), 409, 'approval_refused');
    expect(await statusOf(fresh, again.id)).toBe('pending');
  });

  it('one code approves one request once: the id alone decides nothing, a decided code finds nothing, a second decision is refused', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    // Another fresh session of the same person that never typed the code cannot decide by id.
    const elsewhere = await api.device();
    const bystander = await elsewhere.sessionWith(username, 'manage', key);
    expectRefusal(await decide(old, manage, filed.id, 'approve'), 404, 'not_found');
    expectStatus(await find(old, manage, filed.code), 200);
    expectRefusal(await decide(elsewhere, bystander, filed.id, 'approve'), 404, 'not_found');
    expectStatus(await decide(old, manage, filed.id, 'approve'), 200);
    expectRefusal(await decide(old, manage, filed.id, 'approve'), 410, 'request_closed');
    expectRefusal(await find(old, manage, filed.code), 400, 'code_invalid');
  });

  it('asking again from the same computer withdraws the earlier request, whose code then finds nothing', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const first = await file(fresh, username);
    const second = await file(fresh, username);
    expect(await statusOf(fresh, first.id)).toBe('withdrawn');
    const manage = await old.sessionWith(username, 'manage', key);
    if (first.code !== second.code) expectRefusal(await find(old, manage, first.code), 400, 'code_invalid');
    expect(ApprovalCandidate.parse(expectStatus(await find(old, manage, second.code), 200)).id).toBe(second.id);
  });

  it('wrong codes on the old computer wait, then lock, per user, and the right code is refused while they do', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const filed = await file(fresh, username);
    const wrong = filed.code === '0000-0000' ? '00000001' : '00000000';
    let manage = await old.sessionWith(username, 'manage', key);
    for (let i = 0; i < api.config.throttleFreeFailures; i++) expectRefusal(await find(old, manage, wrong), 400, 'code_invalid');
    const waited = await find(old, manage, filed.code);
    expectRefusal(waited, 429, 'rate_limited');
    // The wait is the user's, whichever of their sessions or computers tries.
    const laptop = await api.device();
    const second = await laptop.sessionWith(username, 'manage', key);
    expectRefusal(await find(laptop, second, filed.code), 429, 'rate_limited');

    // Keep guessing, past every wait, up to the lock.
    for (let failures = api.config.throttleFreeFailures; failures < APPROVAL_RULES.codeMaxFailures; failures++) {
      api.clock.advance(api.config.throttleMaxSeconds);
      manage = await old.sessionWith(username, 'manage', key);
      expectRefusal(await find(old, manage, wrong), 400, 'code_invalid');
    }
    api.clock.advance(api.config.throttleMaxSeconds);
    const late = await file(fresh, username);
    manage = await old.sessionWith(username, 'manage', key);
    expectRefusal(await find(old, manage, late.code), 423, 'code_locked');
    api.clock.advance(APPROVAL_RULES.codeLockSeconds);
    const after = await file(await api.device(), username);
    manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, after.code), 200);
    const refused = (await api.auditOf(username)).filter((e) => e.event === 'device_approval.code_refused');
    expect(refused.length).toBe(APPROVAL_RULES.codeMaxFailures);
  });

  it('filing for someone cannot be spammed, and a stranger filing for them never holds back the owner', async () => {
    await api.close();
    // Behind a proxy on loopback, so each client is named by X-Forwarded-For.
    api = await Api.start({ trustedProxies: ['127.0.0.1'] });
    const fileFrom = async (address: string, username: string, device?: Device) => {
      const from = device ?? (await api.device());
      return from.call('fileDeviceApproval', { headers: { 'x-forwarded-for': address }, body: { username, device: from.signals } });
    };
    const { username } = await passkeyPerson();

    // A stranger at one address files for Ada until refused: their own address is held back...
    let strangerAccepted = 0;
    for (let i = 0; i < APPROVAL_RULES.filedPerUsernameFromClient + 2; i++) {
      const reply = await fileFrom('198.51.100.7', username);
      if (reply.status === 201) strangerAccepted++;
      else expectRefusal(reply, 429, 'rate_limited');
    }
    expect(strangerAccepted).toBe(APPROVAL_RULES.filedPerUsernameFromClient);
    // ...and Ada's new computer, at another address, still gets its code.
    expectStatus(await fileFrom('203.0.113.20', username), 201);

    // An unknown username answers exactly as a known one does, and is limited the same way.
    const ghost = FiledApproval.parse(expectStatus(await fileFrom('198.51.100.8', 'nobody.here'), 201));
    expect(Object.keys(ghost).sort()).toEqual(['code', 'createdAt', 'expiresAt', 'id', 'serverTime', 'status']);
    for (let i = 1; i < APPROVAL_RULES.filedPerUsernameFromClient; i++) expectStatus(await fileFrom('198.51.100.8', 'nobody.here'), 201);
    expectRefusal(await fileFrom('198.51.100.8', 'nobody.here'), 429, 'rate_limited');

    // Open requests per username are bounded, whoever filed them: many addresses together meet the bound.
    const crowd = await passkeyPerson();
    for (let i = 0; i < APPROVAL_RULES.openPerUsername; i++) expectStatus(await fileFrom(`192.0.2.${String(i + 1)}`, crowd.username), 201);
    expectRefusal(await fileFrom('192.0.2.200', crowd.username), 429, 'rate_limited');

    // Per client over all usernames: one machine cannot file for many people.
    let accepted = 0;
    for (let i = 0; i < APPROVAL_RULES.filedPerClient + 2; i++) {
      const reply = await fileFrom('198.51.100.99', `someone${String(i)}`);
      if (reply.status === 201) accepted++;
      else expectRefusal(reply, 429, 'rate_limited');
    }
    expect(accepted).toBe(APPROVAL_RULES.filedPerClient);
  });

  it('a revoked new computer cannot collect what was approved for it', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, filed.code), 200);
    expectStatus(await decide(old, manage, filed.id, 'approve'), 200);
    expectStatus(await api.admin('revokeDevice', { params: { id: await api.deviceId(fresh) } }), 204);
    expectRefusal(await collect(fresh, filed.id), 403, 'device_revoked');
  });

  it('an approval from a computer revoked since, or with a factor revoked since, opens nothing', async () => {
    const { username, old, key } = await passkeyPerson();
    const fresh = await api.device();
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, filed.code), 200);
    expectStatus(await decide(old, manage, filed.id, 'approve'), 200);
    expectStatus(await api.admin('revokeDevice', { params: { id: await api.deviceId(old) } }), 204);
    expectRefusal(await collect(fresh, filed.id), 410, 'request_closed');

    const other = await passkeyPerson();
    const laptop = await api.device();
    const second = await file(laptop, other.username);
    const approving = await other.old.sessionWith(other.username, 'manage', other.key);
    expectStatus(await find(other.old, approving, second.code), 200);
    expectStatus(await decide(other.old, approving, second.id, 'approve'), 200);
    await api.db.updateTable('credentials').set({ status: 'revoked' }).where('id', '=', other.credentialId).execute();
    expectRefusal(await collect(laptop, second.id), 410, 'request_closed');
  });

  it('a security-key person can use it too, and the approval session cannot rebind a key it never touched', async () => {
    const old = await api.device();
    const key = securityKey();
    const { username } = await api.enrolled(old, key, 'security-key');
    const fresh = await api.device();
    const filed = await file(fresh, username);
    const manage = await old.sessionWith(username, 'manage', key);
    expectStatus(await find(old, manage, filed.code), 200);
    expectStatus(await decide(old, manage, filed.id, 'approve'), 200);
    const opened = CreateSessionResponse.parse(expectStatus(await collect(fresh, filed.id), 201));
    expectRefusal(await fresh.completion(opened.token, { rebind: true }), 403, 'factor_revoked');
  });
});
