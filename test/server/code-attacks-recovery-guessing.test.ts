import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecoveryCode } from '../../server/recovery/codes.js';
import { auditTrail, race, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';

/** An attacker guessing recovery codes faster than the hard lock allows, or racing a code's single use. */

/**
 * A fresh client address for each try: the hard lock is what these tests look at, and since no
 * single client may spend a username's attempts any more, only many clients together reach it.
 */
let clients = 0;
const another = () => `198.51.${Math.floor(++clients / 250) % 250}.${clients % 250}`;

describe('guessing recovery codes', () => {
  const MAX = 3;
  let b: RecoveryBench;
  let codes: string[];
  beforeEach(async () => {
    // The hard lock alone: the waits before it are throttling.test.ts's subject.
    b = await recoveryBench({
      recoveryCodeMaxAttempts: MAX,
      recoveryLockSeconds: 600,
      throttleFreeFailures: 10,
      recoveryClientMaxFailures: MAX - 1,
    });
    const ada = await b.addUser('ada');
    const set = await b.recoveryCodes.prepare();
    await b.recoveryCodes.replaceIn(b.db, ada.id, set);
    codes = set.display;
  });
  afterEach(() => b.close());

  const failure = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });
  const wrong = 'AAA-BBBB-CCCC-DDDD'.replace(/-/g, '');

  it('a code works once, for its own user only', async () => {
    await b.addUser('bob');
    await expect(b.recoveryCodes.redeem('bob', codes[0]!, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    const used = await b.recoveryCodes.redeem('ada', codes[0]!, 'device-1', another());
    expect(used.user.username).toBe('ada');
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    expect((await b.recoveryCodes.status(used.user.id)).remaining).toBe(9);
    expect(await auditTrail(b.db, 'recovery.code_used')).toEqual([
      expect.objectContaining({
        actor: 'ada',
        details: expect.objectContaining({ codeId: used.codeId, deviceId: 'device-1' }) as unknown,
      }) as unknown,
    ]);
    expect((await auditTrail(b.db, 'recovery.code_refused')).map((e) => e.details.reason)).toEqual(['wrong', 'used']);
  });

  it('two concurrent redemptions of one code: exactly one wins', async () => {
    const { won, refused } = await race(Array.from({ length: 3 }, () => b.recoveryCodes.redeem('ada', codes[1]!, null, another())));
    expect(won).toHaveLength(1);
    expect(refused).toEqual(['recovery_code_invalid', 'recovery_code_invalid']);
  });

  it('MAX wrong codes lock the username: then even a right code is refused until the lock runs out', async () => {
    for (let i = 0; i < MAX; i++)
      await expect(b.recoveryCodes.redeem('ada', wrong, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toEqual(failure('recovery_locked'));
    expect((await auditTrail(b.db, 'recovery.locked')).map((e) => e.details.attempts)).toEqual([MAX]);
    b.clock.advanceMs(600_000 - 1);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toEqual(failure('recovery_locked'));
    b.clock.advanceMs(1);
    // The lock has run out: the count starts again, and the right code works.
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).resolves.toMatchObject({ user: { username: 'ada' } });
  });

  it('a lock that ran out gives a fresh count, not the old one plus one', async () => {
    for (let i = 0; i < MAX; i++) await b.recoveryCodes.redeem('ada', wrong, null, another()).catch(() => undefined);
    b.clock.advance(601);
    for (let i = 0; i < MAX - 1; i++)
      await expect(b.recoveryCodes.redeem('ada', wrong, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    await expect(b.recoveryCodes.redeem('ada', codes[2]!, null, another())).resolves.toBeDefined();
  });

  it('MAX - 1 wrong codes do not lock, and a right code wipes the count', async () => {
    for (let i = 0; i < MAX - 1; i++) await b.recoveryCodes.redeem('ada', wrong, null, another()).catch(() => undefined);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).resolves.toBeDefined();
    for (let i = 0; i < MAX - 1; i++) await b.recoveryCodes.redeem('ada', wrong, null, another()).catch(() => undefined);
    await expect(b.recoveryCodes.redeem('ada', codes[1]!, null, another())).resolves.toBeDefined();
    expect(await auditTrail(b.db, 'recovery.locked')).toEqual([]);
  });

  it('concurrent guesses are counted before they are checked: at most MAX get an answer other than locked', async () => {
    const { won, refused } = await race(Array.from({ length: 10 }, () => b.recoveryCodes.redeem('ada', wrong, null, another())));
    expect(won).toEqual([]);
    expect(refused.filter((r) => r === 'recovery_code_invalid')).toHaveLength(MAX);
    expect(refused.filter((r) => r === 'recovery_locked')).toHaveLength(10 - MAX);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toEqual(failure('recovery_locked'));
  });

  it('an unknown username is counted and locked exactly like a known one', async () => {
    for (let i = 0; i < MAX; i++)
      await expect(b.recoveryCodes.redeem('nobody', wrong, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    await expect(b.recoveryCodes.redeem('nobody', wrong, null, another())).rejects.toEqual(failure('recovery_locked'));
    // Ada is not affected by guesses at another name.
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).resolves.toBeDefined();
  });

  it('the lock is audited with the device and the time it ends, and the user is told', async () => {
    const ada = await b.db.selectFrom('users').selectAll().where('username', '=', 'ada').executeTakeFirstOrThrow();
    for (let i = 0; i < MAX; i++) await b.recoveryCodes.redeem('ada', wrong, 'device-9', another()).catch(() => undefined);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, 'device-9', another())).rejects.toEqual(failure('recovery_locked'));
    const until = new Date(b.clock.now().getTime() + 600_000).toISOString();
    expect((await auditTrail(b.db, 'recovery.code_refused')).map((e) => e.details)).toEqual([
      { reason: 'wrong', attempts: 1, deviceId: 'device-9' },
      { reason: 'wrong', attempts: 2, deviceId: 'device-9' },
      { reason: 'wrong', attempts: 3, deviceId: 'device-9' },
      { reason: 'locked', deviceId: 'device-9' },
    ]);
    expect(await auditTrail(b.db, 'recovery.locked')).toEqual([
      { event: 'recovery.locked', actor: 'anonymous', details: { attempts: MAX, until, deviceId: 'device-9' } },
    ]);
    const throttle = await b.db.selectFrom('recovery_throttle').selectAll().where('username', '=', 'ada').executeTakeFirstOrThrow();
    expect(throttle).toMatchObject({ failures: MAX, locked_until: until });
    const notes = await b.db.selectFrom('notifications').select(['kind', 'payload']).where('user_id', '=', ada.id).execute();
    expect(notes.map((n) => n.kind)).toEqual(['recovery.locked']);
    const rows = await b.db
      .selectFrom('audit_events')
      .select('user_id')
      .where('event', 'in', ['recovery.locked', 'recovery.code_refused'])
      .execute();
    expect(rows.every((r) => r.user_id === ada.id)).toBe(true);
  });

  it("knowing a code's handle is not enough: the right handle with a wrong secret is refused and counted", async () => {
    const { handle } = parseRecoveryCode(codes[3]!)!;
    const forged = `${handle}${'0'.repeat(13)}`;
    await expect(b.recoveryCodes.redeem('ada', forged, null, another())).rejects.toMatchObject({
      code: 'recovery_code_invalid',
      message: 'recovery code not recognised, or already used',
    });
    expect((await auditTrail(b.db, 'recovery.code_refused')).map((e) => [e.actor, e.details.reason])).toEqual([['anonymous', 'wrong']]);
    // The real code with that handle is untouched by the attempt.
    await expect(b.recoveryCodes.redeem('ada', codes[3]!, null, another())).resolves.toBeDefined();
  });

  it('a locked username is told to ask the help desk; the lock notification carries the count', async () => {
    for (let i = 0; i < MAX; i++) await b.recoveryCodes.redeem('ada', wrong, null, another()).catch(() => undefined);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toMatchObject({
      code: 'recovery_locked',
      message: 'too many wrong recovery codes: ask the help desk',
    });
    const refusals = await auditTrail(b.db, 'recovery.code_refused');
    expect(refusals.map((e) => e.actor)).toEqual(['anonymous', 'anonymous', 'anonymous', 'anonymous']);
    const note = await b.db.selectFrom('notifications').select('payload').executeTakeFirstOrThrow();
    expect((JSON.parse(note.payload) as { details: unknown }).details).toEqual({ attempts: MAX });
  });

  it('lifting a lock is audited against the user, and works for a username nobody has', async () => {
    const ada = await b.db.selectFrom('users').select('id').where('username', '=', 'ada').executeTakeFirstOrThrow();
    await b.recoveryCodes.resetLock('ada', 'account:grace');
    await b.recoveryCodes.resetLock('nobody', 'account:grace');
    const rows = await b.db.selectFrom('audit_events').select(['user_id', 'details']).where('event', '=', 'recovery.lock_reset').execute();
    expect(rows.map((r) => [r.user_id, (JSON.parse(r.details) as { username: string }).username])).toEqual([
      [ada.id, 'ada'],
      [null, 'nobody'],
    ]);
  });

  it('a user without a set has nothing to spend', async () => {
    const bob = await b.addUser('bob');
    expect(await b.recoveryCodes.status(bob.id)).toEqual({ remaining: 0, createdAt: null });
    expect(await b.recoveryCodes.hasSet(b.db, bob.id)).toBe(false);
    await expect(b.recoveryCodes.redeem('bob', codes[0]!, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
  });

  it('a code of a replaced set is refused; the help desk can lift a lock', async () => {
    const ada = await b.db.selectFrom('users').selectAll().where('username', '=', 'ada').executeTakeFirstOrThrow();
    const next = await b.recoveryCodes.prepare();
    await b.recoveryCodes.replaceIn(b.db, ada.id, next);
    await expect(b.recoveryCodes.redeem('ada', codes[0]!, null, another())).rejects.toEqual(failure('recovery_code_invalid'));
    for (let i = 1; i < MAX; i++) await b.recoveryCodes.redeem('ada', wrong, null, another()).catch(() => undefined);
    await expect(b.recoveryCodes.redeem('ada', next.display[0]!, null, another())).rejects.toEqual(failure('recovery_locked'));
    await b.recoveryCodes.resetLock('ada', 'account:grace');
    await b.recoveryCodes.resetLock('ada', 'account:grace');
    expect((await auditTrail(b.db, 'recovery.lock_reset')).map((e) => [e.actor, e.details.hadFailures])).toEqual([
      ['account:grace', true],
      ['account:grace', false],
    ]);
    await expect(b.recoveryCodes.redeem('ada', next.display[0]!, null, another())).resolves.toBeDefined();
    expect(await b.recoveryCodes.status(ada.id)).toEqual({ remaining: 9, createdAt: expect.any(String) as unknown });
    expect(await b.recoveryCodes.hasSet(b.db, ada.id)).toBe(true);
  });
});
