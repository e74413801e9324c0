import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCode } from '../../server/enrolment/codes.js';
import { callerOf, newService, TEST_DEVICE, TEST_JKT, TEST_ORIGIN, type ServiceHarness } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * "Never burn a code for a timeout the person did not cause": an enrolment code whose session ran
 * out (idle or lifetime) or was ended by the app, with nothing completed, opens a new session from
 * the same device key, within the code's own expiry; from anywhere else it stays used. Every other
 * refusal of a code stays as it was.
 */
const IDLE = 300;
const LIFE = 900;
const OTHER_JKT = 'another-device-key-thumbprint-000000000000';

let h: ServiceHarness;
beforeEach(async () => {
  h = await newService({ sessionIdleSeconds: IDLE, sessionTtlSeconds: LIFE });
  await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
});
afterEach(async () => {
  await h.close();
});

const refusal = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });
const redeem = (code: string, jkt = TEST_JKT) => h.services.enrolment.openSession(code, jkt, TEST_DEVICE);
const issue = (ttlSeconds?: number) => h.services.accounts.issueCode('ada.new', 'test', ttlSeconds);
const wrongSecret = (code: string) => {
  const parts = parseCode(code);
  if (!parts) throw new Error('issued code does not parse');
  return parts.handle + (parts.secret.startsWith('A') ? 'B' : 'A') + parts.secret.slice(1);
};

async function auditOf(event: string): Promise<unknown[]> {
  const rows = await h.db.selectFrom('audit_events').select('details').where('event', '=', event).execute();
  return rows.map((r) => JSON.parse(r.details) as unknown);
}

async function enrolPasskey(token: string) {
  const caller = callerOf(token);
  const options = await h.services.enrolment.registrationOptions(caller, 'passkey');
  const key = new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
  await h.services.enrolment.verifyRegistration(caller, 'passkey', key.create(options, { origin: TEST_ORIGIN }));
  return h.services.enrolment.complete(caller);
}

describe('never burn a code for a timeout the person did not cause', () => {
  it('a session that went idle past its limit: the same device key opens a new one with the code, audited', async () => {
    const { code, expiresAt } = await issue();
    const first = await redeem(code);
    // The app learns until when the code can reopen, to say so (or not) if the time runs out.
    expect(first.session.codeReopensUntil).toBe(expiresAt);
    h.clock.advance(IDLE);
    const again = await redeem(code);
    expect(again.session.id).not.toBe(first.session.id);
    expect(again.token).not.toBe(first.token);
    const [reopened] = await auditOf('code.reopened');
    expect(reopened).toMatchObject({ endedSessionId: first.session.id, ended: 'expired', sessionId: again.session.id });
    // The old token stays dead.
    await expect(h.services.enrolment.getSession(callerOf(first.token))).rejects.toEqual(refusal('session_expired'));
  });

  it('a session that reached its lifetime while in use reopens the same way', async () => {
    const { code } = await issue();
    const first = await redeem(code);
    const lifetimeEnd = Date.parse(first.session.lifetimeEndsAt);
    // Busy all along: a call every four minutes, so only the lifetime can end it.
    while (lifetimeEnd - h.clock.now().getTime() > 240_000) {
      h.clock.advance(240);
      await h.services.enrolment.getSession(callerOf(first.token));
    }
    h.clock.advance((lifetimeEnd - h.clock.now().getTime()) / 1000);
    await expect(h.services.enrolment.getSession(callerOf(first.token))).rejects.toEqual(refusal('session_expired'));
    await expect(redeem(code)).resolves.toMatchObject({ session: { purpose: 'enrol' } });
  });

  it('a session the app ended (its timer gave up) reopens at once, and what it registered is gone', async () => {
    const { code } = await issue();
    const first = await redeem(code);
    const caller = callerOf(first.token);
    const options = await h.services.enrolment.registrationOptions(caller, 'passkey');
    const key = new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
    await h.services.enrolment.verifyRegistration(caller, 'passkey', key.create(options, { origin: TEST_ORIGIN }));
    await h.services.enrolment.end(caller);
    h.clock.advance(1);
    const again = await redeem(code);
    expect((await auditOf('code.reopened'))[0]).toMatchObject({ ended: 'ended_by_app' });
    const pending = await h.db.selectFrom('credentials').select('id').execute();
    expect(pending).toEqual([]);
    await expect(enrolPasskey(again.token)).resolves.toMatchObject({ user: { username: 'ada.new' } });
  });

  it('from any other device the code stays used after the timeout', async () => {
    const { code } = await issue();
    await redeem(code);
    h.clock.advance(IDLE);
    await expect(redeem(code, OTHER_JKT)).rejects.toEqual(refusal('code_used'));
    // And once another device was refused, the owner's own device still may.
    await expect(redeem(code)).resolves.toBeDefined();
  });

  it('while its session is live the code stays used, even from the same device', async () => {
    const { code } = await issue();
    await redeem(code);
    h.clock.advance(IDLE - 1);
    await expect(redeem(code)).rejects.toEqual(refusal('code_used'));
  });

  it('a completed session spends the code for good', async () => {
    const { code } = await issue();
    const first = await redeem(code);
    await enrolPasskey(first.token);
    h.clock.advance(IDLE);
    await expect(redeem(code)).rejects.toEqual(refusal('code_used'));
  });

  it('someone who enrolled another way since (another code) cannot reopen the first one', async () => {
    const { code } = await issue();
    await redeem(code);
    h.clock.advance(IDLE);
    const second = await redeem((await issue()).code);
    await enrolPasskey(second.token);
    await expect(redeem(code)).rejects.toEqual(refusal('code_used'));
  });

  it('the code’s own expiry still holds: after it, a timed-out code is expired, not reopened', async () => {
    const { code } = await issue(IDLE + 60);
    await redeem(code);
    h.clock.advance(IDLE + 60);
    await expect(redeem(code)).rejects.toEqual(refusal('code_expired'));
  });

  it('wrong secrets are still counted and answered code_invalid, and a locked code stays locked after a timeout', async () => {
    const { code } = await issue();
    await redeem(code);
    h.clock.advance(IDLE);
    await expect(redeem(wrongSecret(code))).rejects.toEqual(refusal('code_invalid'));
    for (let i = 1; i < h.config.codeMaxAttempts; i++) {
      h.clock.advance(h.config.throttleMaxSeconds);
      await redeem(wrongSecret(code)).catch(() => undefined);
    }
    h.clock.advance(h.config.throttleMaxSeconds);
    await expect(redeem(code)).rejects.toEqual(refusal('code_locked'));
  });

  it('reopenings racing in the very millisecond the app ended the session cannot all win on an unchanged claim', async () => {
    const { code } = await issue();
    await h.services.enrolment.end(callerOf((await redeem(code)).token));
    // The clock is frozen: every reopening would write the used_at it compares against.
    const sameInstant = await Promise.allSettled(Array.from({ length: 5 }, () => redeem(code)));
    expect(sameInstant.filter((r) => r.status === 'fulfilled')).toHaveLength(0);
    h.clock.advance(1);
    const later = await Promise.allSettled(Array.from({ length: 5 }, () => redeem(code)));
    expect(later.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await auditOf('code.reopened')).toHaveLength(1);
  });

  it('a used code whose sessions are no longer on record stays used: nothing shows it ended without completing', async () => {
    const { code } = await issue();
    await h.services.enrolment.end(callerOf((await redeem(code)).token));
    await h.db.deleteFrom('sessions').execute();
    h.clock.advance(1);
    await expect(redeem(code)).rejects.toEqual(refusal('code_used'));
  });

  it('two reopenings racing from the same device give exactly one session', async () => {
    const { code } = await issue();
    await redeem(code);
    h.clock.advance(IDLE);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => redeem(code)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toEqual(refusal('code_used'));
    expect(await auditOf('code.reopened')).toHaveLength(1);
  });
});

describe('Wrong-code messages should say how many tries are left', () => {
  it('a wrong enrolment code says the tries left before the wait, then near the lock before the lock', async () => {
    await h.close();
    h = await newService({ codeMaxAttempts: 10 });
    await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
    const { code } = await issue();
    const free = h.config.throttleFreeFailures;
    const tries: unknown[] = [];
    for (let i = 1; i <= h.config.codeMaxAttempts; i++) {
      tries.push(await redeem(wrongSecret(code)).catch((e: unknown) => (e as { tries?: unknown }).tries));
      h.clock.advance(h.config.throttleMaxSeconds);
    }
    expect(tries[0]).toEqual({ beforeWait: free - 1 });
    expect(tries[free - 1]).toEqual({ beforeWait: 0 });
    expect(tries.at(-3)).toEqual({ beforeWait: 0, beforeLock: 2 });
    expect(tries.at(-1)).toEqual({ beforeWait: 0, beforeLock: 0 });
  });

  it('where the lock comes before any wait, it is the lock the tries are counted to, from the first wrong try', async () => {
    await h.close();
    h = await newService({ codeMaxAttempts: 5, throttleFreeFailures: 10 });
    await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
    const { code } = await issue();
    await expect(redeem(wrongSecret(code))).rejects.toMatchObject({ tries: { beforeWait: 4, beforeLock: 4 } });
  });

  it('a handle no code has answers exactly as a live code with the same count', async () => {
    const { code } = await issue();
    const live = wrongSecret(code);
    const parts = parseCode(code);
    if (!parts) throw new Error('issued code does not parse');
    const unknown = (parts.handle === 'ZZZZ' ? 'YYYY' : 'ZZZZ') + parts.secret;
    for (let i = 1; i <= h.config.codeMaxAttempts; i++) {
      const a = await redeem(live).catch((e: unknown) => e);
      const b = await redeem(unknown).catch((e: unknown) => e);
      expect(b).toEqual(a);
      expect({ ...(b as object) }).toEqual({ ...(a as object) });
      h.clock.advance(h.config.throttleMaxSeconds);
    }
  });
});
