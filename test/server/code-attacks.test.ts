import { scryptSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCode, group, HANDLE_LENGTH, normaliseTyped, parseCode, SECRET_BITS, SECRET_LENGTH } from '../../server/enrolment/codes.js';
import {
  generateHelpdeskCode,
  generateRecoveryCodes,
  hashSecret,
  HELPDESK_CODE_BITS,
  parseHelpdeskCode,
  parseRecoveryCode,
  RECOVERY_CODES_PER_SET,
  RECOVERY_SECRET_BITS,
  verifyNothing,
  verifySecret,
} from '../../server/recovery/codes.js';
import { auditTrail, race, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';
import { newService, type ServiceHarness } from '../support/service-harness.js';
import type { TryVerdict } from '../../server/limits/attempt-throttle.js';
import {
  codeTryRules,
  lockCodeIfSpent,
  lockUnknownHandleIfSpent,
  refusalOf,
  reserveCodeTry,
  reserveUnknownHandleTry,
} from '../../server/limits/code-tries.js';

/**
 * What an attacker tries against enrolment, recovery and help-desk codes: weakening or bypassing
 * the hash that protects them at rest, slipping a malformed code past the parser, and guessing
 * recovery codes faster than the throttle allows.
 */

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

/**
 * A fresh client address for each try: the hard lock is what these tests look at, and since no
 * single client may spend a username's attempts any more, only many clients together reach it.
 */
let clients = 0;
const another = () => `198.51.${Math.floor(++clients / 250) % 250}.${clients % 250}`;

describe('the KDF that protects recovery and help-desk codes at rest', () => {
  it('is scrypt with pinned parameters: N = 8192, r = 8, p = 1, a 16-byte salt, a 32-byte key', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    const [scheme, n, r, p, salt, key] = stored.split('$');
    expect({ scheme, n, r, p }).toEqual({ scheme: 'scrypt', n: '8192', r: '8', p: '1' });
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    // The stored key is exactly scrypt(secret, salt) under those parameters: nothing weaker hides behind the label.
    const expected = scryptSync('ABCDEFGHJKMNP', Buffer.from(salt!, 'base64url'), 32, { N: 8192, r: 8, p: 1 });
    expect(key).toBe(expected.toString('base64url'));
    expect(stored.split('$')).toHaveLength(6);
  });

  it('salts every hash: the same secret never hashes the same twice', async () => {
    const [a, b] = await Promise.all([hashSecret('ABCDEFGHJKMNP'), hashSecret('ABCDEFGHJKMNP')]);
    expect(a).not.toBe(b);
    expect(await verifySecret('ABCDEFGHJKMNP', a)).toBe(true);
    expect(await verifySecret('ABCDEFGHJKMNP', b)).toBe(true);
  });

  it('verifies only the right secret', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    expect(await verifySecret('ABCDEFGHJKMNP', stored)).toBe(true);
    expect(await verifySecret('ABCDEFGHJKMNQ', stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
  });

  it('reads the parameters from the stored hash, so raising them later keeps old codes working', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('OLDSECRET', salt, 32, { N: 1024, r: 8, p: 2 });
    const stored = `scrypt$1024$8$2$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifySecret('OLDSECRET', stored)).toBe(true);
    expect(await verifySecret('OLDSECRET', stored.replace('$2$', '$1$'))).toBe(false);
  });

  it('a tampered or truncated stored hash verifies nothing, and never throws', async () => {
    const stored = await hashSecret('ABCDEFGHJKMNP');
    const parts = stored.split('$');
    const variants = [
      stored.replace(/^scrypt/, 'plain'),
      parts.slice(0, 5).join('$'),
      ['scrypt', '', ...parts.slice(2)].join('$'),
      ['scrypt', parts[1], '', ...parts.slice(3)].join('$'),
      ['scrypt', parts[1], parts[2], '', ...parts.slice(4)].join('$'),
      ['scrypt', ...parts.slice(1, 4), '', parts[5]].join('$'),
      // A key cut short must be refused, not compared against a longer one (timingSafeEqual would throw).
      [...parts.slice(0, 5), Buffer.from(parts[5]!, 'base64url').subarray(0, 16).toString('base64url')].join('$'),
      '',
    ];
    for (const variant of variants) expect(await verifySecret('ABCDEFGHJKMNP', variant), variant).toBe(false);
  });

  it('a check for a user or handle that has no code says no, after the same work as a real check', async () => {
    expect(await verifyNothing('ABCDEFGHJKMNP')).toBe(false);
    expect(await verifyNothing('')).toBe(false);
  });
});

describe('codes an attacker types', () => {
  it('enrolment codes: a 4-character handle and 120 secret bits, shown in groups of four', () => {
    expect({ HANDLE_LENGTH, SECRET_LENGTH, SECRET_BITS }).toEqual({ HANDLE_LENGTH: 4, SECRET_LENGTH: 24, SECRET_BITS: 120 });
    const code = generateCode();
    expect(code.handle).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(code.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{24}$/);
    expect(code.display).toBe(group(code.handle + code.secret));
    expect(code.display).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
    expect(parseCode(code.display)).toEqual({ handle: code.handle, secret: code.secret });
  });

  it('groups in fours, whatever the length', () => {
    expect(group('ABCDEFGHJ')).toBe('ABCD-EFGH-J');
    expect(group('ABCD')).toBe('ABCD');
    expect(group('')).toBe('');
  });

  it('normalises what people type, and refuses anything outside Crockford base32', () => {
    expect(normaliseTyped(' ab-cd\tef ')).toBe('ABCDEF');
    expect(normaliseTyped('oOiIlL')).toBe('001111');
    for (const bad of ['ABCU', 'AB_CD', 'ABC!', 'ÄBC', 'ABC\u0000', 'ABC.DEF', '']) expect(normaliseTyped(bad), bad).toBeNull();
  });

  it('refuses a code one character short or long, or with a character that is not in the alphabet', () => {
    const code = generateCode();
    const chars = code.handle + code.secret;
    expect(parseCode(chars.slice(1))).toBeNull();
    expect(parseCode(`${chars}0`)).toBeNull();
    expect(parseCode(`${chars.slice(1)}U`)).toBeNull();
    expect(parseCode('not a code')).toBeNull();
    expect(parseCode(chars.toLowerCase())).toEqual({ handle: code.handle, secret: code.secret });
  });

  it('recovery codes: ten per set, 3-character handles all different, 65 secret bits', () => {
    expect({ RECOVERY_CODES_PER_SET, RECOVERY_SECRET_BITS, HELPDESK_CODE_BITS }).toEqual({
      RECOVERY_CODES_PER_SET: 10,
      RECOVERY_SECRET_BITS: 65,
      HELPDESK_CODE_BITS: 80,
    });
    const set = generateRecoveryCodes();
    expect(set).toHaveLength(10);
    for (const c of set) {
      expect(c.handle).toMatch(/^[0-9A-HJKMNP-TV-Z]{3}$/);
      expect(c.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{13}$/);
      expect(c.display).toBe(group(c.handle + c.secret));
      expect(parseRecoveryCode(c.display)).toEqual({ handle: c.handle, secret: c.secret });
    }
  });

  it('a handle drawn twice in one set is drawn again, so one handle never names two codes', () => {
    // 3000 handles out of 32768 collide dozens of times: every clash must be redrawn.
    const set = generateRecoveryCodes(3000);
    expect(set).toHaveLength(3000);
    expect(new Set(set.map((c) => c.handle)).size).toBe(3000);
  });

  it('recovery and help-desk codes of the wrong length are not codes', () => {
    const [c] = generateRecoveryCodes(1);
    const chars = c!.handle + c!.secret;
    expect(parseRecoveryCode(chars.slice(1))).toBeNull();
    expect(parseRecoveryCode(`${chars}0`)).toBeNull();
    expect(parseRecoveryCode('not a code')).toBeNull();
    expect(parseRecoveryCode('!!!-not-crockford-!!!')).toBeNull();
    expect(parseHelpdeskCode('!!!-not-crockford-!!!')).toBeNull();
    expect(parseCode('!!!-not-crockford-!!!')).toBeNull();
    const helpdesk = generateHelpdeskCode();
    expect(helpdesk.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(helpdesk.display).toBe(group(helpdesk.secret));
    expect(parseHelpdeskCode(helpdesk.display.toLowerCase())).toBe(helpdesk.secret);
    expect(parseHelpdeskCode(helpdesk.secret.slice(1))).toBeNull();
    expect(parseHelpdeskCode(`${helpdesk.secret}0`)).toBeNull();
    expect(parseHelpdeskCode('not a code')).toBeNull();
    expect(CROCKFORD.test(helpdesk.secret)).toBe(true);
  });
});

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

describe('Enrolment-code throttle checked after the code instead of reserved before it', () => {
  let h: ServiceHarness;
  let codeId: string;
  beforeEach(async () => {
    h = await newService({ codeMaxAttempts: 6 });
    await h.services.accounts.createUser({ username: 'new.hire', displayName: 'New Hire' }, 'test');
    const issued = await h.services.accounts.issueCode('new.hire', 'test');
    const handle = parseCode(issued.code)?.handle ?? '';
    codeId = (await h.db.selectFrom('enrolment_codes').select('id').where('handle', '=', handle).executeTakeFirstOrThrow()).id;
  });
  afterEach(() => h.close());

  const reserve = () => reserveCodeTry(h.db, codeId, h.clock.now(), codeTryRules(h.config));

  it('forty tries at one code at once: only the free ones may be compared, the rest are told to wait, and the count holds each', async () => {
    const verdicts = await Promise.all(Array.from({ length: 40 }, reserve));
    const compared = verdicts.filter((v) => v.kind === 'go');
    expect(compared.map((v) => v.failures).sort()).toEqual([1, 2, 3]);
    expect(verdicts.filter((v) => v.kind === 'wait')).toHaveLength(37);
    const row = await h.db.selectFrom('enrolment_codes').selectAll().where('id', '=', codeId).executeTakeFirstOrThrow();
    expect(row.failed_attempts).toBe(3);
    expect(row.next_try_at).toBe(new Date(h.clock.now().getTime() + h.config.throttleBaseSeconds * 1000).toISOString());
  });

  it('after each wait exactly one of many racing tries goes through; at the limit the rest are locked out, and a lock is never cleared', async () => {
    for (let round = 0; round < 10; round++) {
      const verdicts = await Promise.all(Array.from({ length: 10 }, reserve));
      const go = verdicts.flatMap((v) => (v.kind === 'go' ? [v.failures] : []));
      // The free tries at first, then one racer per wait.
      expect(go.length).toBe(
        round === 0 ? h.config.throttleFreeFailures : Math.min(1, h.config.codeMaxAttempts - h.config.throttleFreeFailures - round + 1),
      );
      if (go.length === 0) break;
      for (const failures of go) await lockCodeIfSpent(h.db, codeId, failures, h.clock.now(), codeTryRules(h.config));
      h.clock.advance(h.config.throttleMaxSeconds);
    }
    const row = await h.db.selectFrom('enrolment_codes').selectAll().where('id', '=', codeId).executeTakeFirstOrThrow();
    expect(row.failed_attempts).toBe(h.config.codeMaxAttempts);
    expect(row.locked_at).not.toBeNull();
    // A try racing the lock neither gets through nor unlocks it.
    expect(await reserve()).toEqual({ kind: 'locked' });
    expect(await lockCodeIfSpent(h.db, codeId, 1, h.clock.now(), codeTryRules(h.config))).toBe(false);
    const after = await h.db.selectFrom('enrolment_codes').select('locked_at').where('id', '=', codeId).executeTakeFirstOrThrow();
    expect(after.locked_at).toBe(row.locked_at);
  });
});

describe('Live and unknown enrolment-code handles answer differently', () => {
  it('a handle no code has earns the same free tries, waits and lock as a live code, try for try', async () => {
    const h = await newService({ codeMaxAttempts: 6 });
    try {
      await h.services.accounts.createUser({ username: 'new.hire', displayName: 'New Hire' }, 'test');
      const issued = await h.services.accounts.issueCode('new.hire', 'test');
      const handle = parseCode(issued.code)?.handle ?? '';
      const { id } = await h.db.selectFrom('enrolment_codes').select('id').where('handle', '=', handle).executeTakeFirstOrThrow();
      const rules = codeTryRules(h.config);
      const live: string[] = [];
      const unknown: string[] = [];
      const answer = (v: TryVerdict) => (v.kind === 'wait' ? `wait ${v.seconds}` : v.kind);
      for (let i = 0; i < 12; i++) {
        const now = h.clock.now();
        const a = await reserveCodeTry(h.db, id, now, rules);
        if (a.kind === 'go') await lockCodeIfSpent(h.db, id, a.failures, now, rules);
        const b = await reserveUnknownHandleTry(h.db, 'ZZZZ', now, rules);
        if (b.kind === 'go') await lockUnknownHandleIfSpent(h.db, 'ZZZZ', b.failures, now, rules);
        live.push(answer(a));
        unknown.push(answer(b));
        if (a.kind === 'wait') h.clock.advance(a.seconds);
      }
      expect(unknown).toEqual(live);
      expect(live.slice(0, 3)).toEqual(['go', 'go', 'go']);
      expect(live).toContain('wait 2');
      expect(live.at(-1)).toBe('locked');
      expect(refusalOf({ kind: 'locked' })).toMatchObject({ status: 423, code: 'code_locked' });
    } finally {
      await h.close();
    }
  });
});
