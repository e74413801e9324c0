import { asAgent, CHECKED } from '../support/operators.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompleteResponse, CreateSessionResponse, SessionView } from '../../api/enrolment.js';
import { RecoveryCodesResponse } from '../../api/security.js';
import { verifyAuditChain } from '../../server/audit.js';
import { RECOVERY_SECRET_BITS, parseRecoveryCode } from '../../server/recovery/codes.js';
import { Api, expectRefusal, expectStatus, passkey, securityKey, type Device, type Reply } from '../support/api-harness.js';
import { dumpDatabase } from '../support/service-harness.js';

/** Recovery with a saved recovery code, over HTTP with DPoP: the way back for someone whose only device is gone. */
let api: Api;
beforeEach(async () => {
  api = await Api.start();
});
afterEach(() => api.close());

/** Another code than the one given, same shape: wrong in the secret part only. */
function wrongCode(code: string): string {
  const last = code.at(-1) === 'A' ? 'B' : 'A';
  return `${code.slice(0, -1)}${last}`;
}

describe('recovery codes at enrolment', () => {
  it('the first completed enrolment shows ten distinct codes of at least 64 bits, once; later enrolments show none', async () => {
    const laptop = await api.device();
    const username = await api.createUser();
    const opened = await laptop.openEnrolment(await api.enrolmentCode(username));
    const key = passkey();
    await laptop.register(opened, 'passkey', key);
    const recoveryCodes = (await laptop.complete(opened)).recoveryCodes ?? [];
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(RECOVERY_SECRET_BITS).toBeGreaterThanOrEqual(64);
    for (const code of recoveryCodes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect((parseRecoveryCode(code)?.secret.length ?? 0) * 5).toBeGreaterThanOrEqual(64);
    }
    // A later enrolment of another key, from My security, shows no codes.
    const again = await laptop.sessionWith(username, 'manage', key);
    await laptop.register(again, 'security-key', securityKey());
    expect((await laptop.complete(again)).recoveryCodes).toBeUndefined();
  });
});

describe('recovery with a recovery code', () => {
  it('end to end: a short recover session, a new factor, every old factor and device revoked, a new set of codes', async () => {
    const lost = await api.device({ name: 'old laptop' });
    const oldKey = passkey();
    const { username, credentialId: oldFactor, recoveryCodes } = await api.enrolled(lost, oldKey, 'passkey');
    const lostId = await api.deviceId(lost);

    const fresh = await api.device({ name: 'new laptop' });
    const opened = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[3] }), 201),
    );
    expect(opened.session).toMatchObject({ purpose: 'recover', user: { username } });
    // Shorter than an enrolment session (testConfig: 600 s): the configured recovery lifetime.
    expect(Date.parse(opened.session.expiresAt) - Date.parse(opened.session.serverTime)).toBe(api.config.recoverySessionTtlSeconds * 1000);
    expect(api.config.recoverySessionTtlSeconds).toBeLessThan(600);

    const newFactor = await fresh.register(opened.token, 'passkey', passkey());
    const done = await fresh.complete(opened.token);
    expect(done.credentials.map((c) => c.id)).toEqual([newFactor]);
    expect(done.retired).toEqual({ factors: [oldFactor], devices: [lostId] });
    expect(done.recoveryCodes).toHaveLength(10);
    expect(done.recoveryCodes?.some((c) => recoveryCodes.includes(c))).toBe(false);

    // The old device's key is refused everywhere; the old factor's assertion is refused by the server.
    expectRefusal(await lost.call('authenticationOptions', { body: { username, purpose: 'manage' } }), 403, 'device_revoked');
    expectRefusal(await fresh.authenticate(username, 'manage', oldKey, { credentialId: oldFactor }), 403, 'factor_revoked');
    // The old set is gone, even the codes never used; the new set works.
    expectRefusal(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[4] }), 400, 'recovery_code_invalid');
    expectStatus(await fresh.recover({ method: 'recovery-code', username, code: done.recoveryCodes?.[0] }), 201);

    const kinds = (await api.notificationsOf(username)).map((n) => n.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['recovery.started', 'factor.added', 'factor.revoked', 'device.revoked', 'recovery.completed']),
    );
    const events = (await api.auditOf(username)).map((e) => e.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'recovery.code_used',
        'recovery.session_opened',
        'factor.revoked',
        'device.revoked',
        'recovery.completed',
        'recovery.codes_issued',
      ]),
    );
    const completed = (await api.auditOf(username)).find((e) => e.event === 'recovery.completed');
    expect(completed?.details).toMatchObject({
      deviceId: await api.deviceId(fresh),
      method: 'recovery-code',
      retiredFactors: 1,
      retiredDevices: 1,
    });
    expect(await verifyAuditChain(api.db)).toBeNull();
  });

  it('a recovery session must register a factor before it completes, and it cannot retire or rebind by choice', async () => {
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const { token } = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
    );
    expectRefusal(await fresh.completion(token), 409, 'nothing_registered');
    expectRefusal(await fresh.completion(token, { rebind: true }), 400, 'invalid_request');
    expectRefusal(await fresh.call('securityOverview', { token }), 403, 'purpose_not_allowed');
  });

  it('a user at their factor limit (contractor: 2) can still recover: the factors being retired do not count', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username, recoveryCodes } = await api.enrolled(laptop, key, 'passkey', { employmentType: 'contractor' });
    const replace = await laptop.sessionWith(username, 'replace', key);
    await laptop.register(replace, 'security-key', securityKey());
    await laptop.complete(replace);
    const fresh = await api.device();
    const { token } = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
    );
    await fresh.register(token, 'passkey', passkey());
    expect((await fresh.complete(token)).retired?.factors).toHaveLength(2);
  });

  it('every lifecycle event in the audit trail names the device it came from (or the filing device, for an agent decision)', async () => {
    const old = await api.device();
    const key = securityKey();
    const { username, recoveryCodes } = await api.enrolled(old, key, 'security-key');
    const other = await api.device();
    const replace = await other.sessionWith(username, 'replace', key);
    await other.register(replace, 'passkey', passkey());
    await other.complete(replace, { rebind: true });
    const manage = await other.sessionWith(username, 'manage', key);
    expectStatus(await other.call('regenerateRecoveryCodes', { token: manage }), 201);
    const attacker = await api.device();
    await attacker.recover({ method: 'recovery-code', username, code: recoveryCodes[0] });
    const request = (await attacker.call('fileRecoveryRequest', { body: { username, device: attacker.signals } })).body as {
      id: string;
    };
    await asAgent(api, 'grace', 'denyRecovery', { params: { id: request.id }, body: { username, ...CHECKED } });
    const agentOnly = new Set(['user.created', 'code.issued', 'recovery.lock_reset', 'factor.reinstated']);
    const events = (await api.auditOf(username)).filter((e) => !agentOnly.has(e.event));
    expect(events.length).toBeGreaterThan(15);
    for (const e of events) expect(e.details, e.event).toHaveProperty('deviceId');
    expect(new Set(events.map((e) => e.event))).toEqual(
      new Set([
        'session.opened',
        'factor.registered',
        'session.completed',
        'device.bound',
        'recovery.codes_issued',
        'auth.challenged',
        'auth.succeeded',
        'device.rebound',
        'device.revoked',
        'replacement.completed',
        'recovery.codes_regenerated',
        'recovery.code_refused',
        'recovery.requested',
        'recovery.denied',
      ]),
    );
  });

  it('a code works once', async () => {
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201);
    expectRefusal(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 400, 'recovery_code_invalid');
    expectRefusal(
      await (await api.device()).recover({ method: 'recovery-code', username, code: recoveryCodes[0] }),
      400,
      'recovery_code_invalid',
    );
  });

  it('a code is accepted as people type it, and only for its own user', async () => {
    const a = await api.enrolled(await api.device(), passkey(), 'passkey');
    const b = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    expectRefusal(
      await fresh.recover({ method: 'recovery-code', username: b.username, code: a.recoveryCodes[0] }),
      400,
      'recovery_code_invalid',
    );
    const typed = ` ${(a.recoveryCodes[0] ?? '').toLowerCase().replace(/-/g, ' ')} `;
    expectStatus(await fresh.recover({ method: 'recovery-code', username: a.username, code: typed }), 201);
  });

  /**
   * The hard lock on its own, with the waits before it switched off (as many free tries as the
   * lock allows): throttling.test.ts covers the waits, and what a lock costs an attacker then.
   */
  /**
   * The hard lock alone (no waits before it), behind a proxy on loopback: no single client may
   * spend a username's attempts any more, so these guesses come from many addresses, one each.
   */
  async function lockOnly(): Promise<void> {
    await api.close();
    api = await Api.start({
      recoveryCodeMaxAttempts: 10,
      throttleFreeFailures: 10,
      recoveryClientMaxFailures: 5,
      trustedProxies: ['127.0.0.1'],
    });
  }
  let addresses = 0;
  /** A try at recovery from a client address of its own. */
  const elsewhere = (device: Device, json: Record<string, unknown>): Promise<Reply> =>
    device.call('openRecoverySession', {
      headers: { 'x-forwarded-for': `198.51.100.${++addresses % 250}` },
      body: { ...json, device: device.signals },
    });

  it(`guessing from many addresses: recoveryCodeMaxAttempts wrong codes lock the username, then even the right code is refused until the help desk resets it`, async () => {
    await lockOnly();
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const max = api.config.recoveryCodeMaxAttempts;
    expect(max).toBe(10);
    const attacker = await api.device();
    for (let i = 0; i < max; i++)
      expectRefusal(
        await elsewhere(attacker, { method: 'recovery-code', username, code: wrongCode(recoveryCodes[0] ?? '') }),
        400,
        'recovery_code_invalid',
      );
    expectRefusal(await elsewhere(attacker, { method: 'recovery-code', username, code: recoveryCodes[0] }), 423, 'recovery_locked');
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('recovery.locked');
    expect((await api.auditOf(username)).map((e) => e.event)).toContain('recovery.locked');

    expectStatus(await asAgent(api, 'grace', 'resetRecoveryLock', { body: { username } }), 204);
    expectStatus(await elsewhere(attacker, { method: 'recovery-code', username, code: recoveryCodes[0] }), 201);
  });

  it('the lock ends by itself after recoveryLockSeconds', async () => {
    await lockOnly();
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const attacker = await api.device();
    for (let i = 0; i < 10; i++) await elsewhere(attacker, { method: 'recovery-code', username, code: wrongCode(recoveryCodes[1] ?? '') });
    api.clock.advance(api.config.recoveryLockSeconds - 1);
    expectRefusal(await elsewhere(attacker, { method: 'recovery-code', username, code: recoveryCodes[1] }), 423, 'recovery_locked');
    api.clock.advance(1);
    expectStatus(await elsewhere(attacker, { method: 'recovery-code', username, code: recoveryCodes[1] }), 201);
  });

  it('an unknown username answers exactly like a known one, lock included', async () => {
    await lockOnly();
    const attacker = await api.device();
    const guess = 'ABCD-EFGH-JKMN-PQRS';
    for (let i = 0; i < 10; i++)
      expectRefusal(
        await elsewhere(attacker, { method: 'recovery-code', username: 'nobody.here', code: guess }),
        400,
        'recovery_code_invalid',
      );
    expectRefusal(await elsewhere(attacker, { method: 'recovery-code', username: 'nobody.here', code: guess }), 423, 'recovery_locked');
    expectRefusal(
      await elsewhere(attacker, { method: 'recovery-code', username: 'nobody.here', code: 'not a code' }),
      423,
      'recovery_locked',
    );
  });

  it('guesses racing each other are counted before they are checked: never more than the limit get an answer other than locked', async () => {
    await lockOnly();
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const attacker = await api.device();
    const replies = await Promise.all(
      Array.from({ length: 16 }, () => elsewhere(attacker, { method: 'recovery-code', username, code: wrongCode(recoveryCodes[2] ?? '') })),
    );
    expect(replies.filter((r) => r.status === 400)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 423)).toHaveLength(6);
  });

  it('a code from a set that was regenerated is refused; regenerating needs a fresh manage session', async () => {
    const laptop = await api.device();
    const key = passkey();
    const { username, recoveryCodes } = await api.enrolled(laptop, key, 'passkey');

    const replace = await laptop.sessionWith(username, 'replace', key);
    expectRefusal(await laptop.call('regenerateRecoveryCodes', { token: replace }), 403, 'purpose_not_allowed');
    const manage = await laptop.sessionWith(username, 'manage', key);
    const regenerated = RecoveryCodesResponse.parse(expectStatus(await laptop.call('regenerateRecoveryCodes', { token: manage }), 201));
    expect(regenerated.recoveryCodes).toHaveLength(10);

    const fresh = await api.device();
    expectRefusal(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 400, 'recovery_code_invalid');
    expectStatus(await fresh.recover({ method: 'recovery-code', username, code: regenerated.recoveryCodes[0] }), 201);
    expect((await api.notificationsOf(username)).map((n) => n.kind)).toContain('recovery_codes.regenerated');
    expect((await api.auditOf(username)).map((e) => e.event)).toContain('recovery.codes_regenerated');

    api.clock.advance(api.config.freshAuthSeconds);
    expectRefusal(await laptop.call('regenerateRecoveryCodes', { token: manage }), 403, 'reauth_required');
  });

  it('a recovery session used past its lifetime is refused', async () => {
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const { token } = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
    );
    api.clock.advance(api.config.recoverySessionTtlSeconds - 1);
    SessionView.parse(expectStatus(await fresh.call('getSession', { token }), 200));
    api.clock.advance(1);
    expectRefusal(await fresh.call('getSession', { token }), 401, 'session_expired');
    expectRefusal(await fresh.call('registrationOptions', { token, body: { factor: 'passkey' } }), 401, 'session_expired');
    expectRefusal(await fresh.completion(token), 401, 'session_expired');
  });

  it('a recovery session token is useless with another device key', async () => {
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const { token } = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
    );
    expectRefusal(await (await api.device()).call('getSession', { token }), 401, 'dpop_invalid');
  });

  it('neither codes nor session tokens are stored, logged in the audit trail, or put in a notification', async () => {
    const { username, recoveryCodes } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device();
    const { token } = CreateSessionResponse.parse(
      expectStatus(await fresh.recover({ method: 'recovery-code', username, code: recoveryCodes[0] }), 201),
    );
    await fresh.register(token, 'passkey', passkey());
    const done = CompleteResponse.parse(expectStatus(await fresh.completion(token), 200));
    const dump = await dumpDatabase(api.db);
    const secrets = [...recoveryCodes, ...(done.recoveryCodes ?? []), token];
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.replace(/-/g, ''));
      const parsed = parseRecoveryCode(secret);
      if (parsed) expect(dump).not.toContain(parsed.secret);
    }
  });
});
