import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { runAdmin } from '../../server/admin/cli.js';
import { delayAfter } from '../../server/limits/backoff.js';
import { Api, expectRefusal, expectStatus, passkey, type Reply } from '../support/api-harness.js';
import type { Device } from '../support/api-harness.js';

/**
 * Issue 16: throttling instead of a lock anyone could trigger. Wrong codes for a username (or a
 * code) make each further try wait twice as long, up to a ceiling; a hard lock comes only after
 * many failures. Over HTTP with DPoP, on the server's own defaults, with the test's clock.
 */

let api: Api | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Another code than the one given, same shape: wrong in the secret part only. */
function wrongCode(code: string): string {
  return `${code.slice(0, -1)}${code.at(-1) === 'A' ? 'B' : 'A'}`;
}

function retryAfter(reply: Reply): number {
  expectRefusal(reply, 429, 'rate_limited');
  return ApiError.parse(reply.body).error.retryAfterSeconds ?? 0;
}

/** A guesser who honours every wait: each call is checked, and the waits it sat out are returned. */
async function patiently(a: Api, attempt: () => Promise<Reply>): Promise<{ reply: Reply; waited: number }> {
  let reply = await attempt();
  let waited = 0;
  while (reply.status === 429) {
    const wait = retryAfter(reply);
    waited += wait;
    a.clock.advance(wait);
    reply = await attempt();
  }
  return { reply, waited };
}

async function enrolledPerson(a: Api): Promise<{ username: string; recoveryCodes: string[] }> {
  return a.enrolled(await a.device(), passkey(), 'passkey');
}

const recover = (device: Device, username: string, code: string | undefined) => device.recover({ method: 'recovery-code', username, code });

describe('Anyone can lock anyone out of recovery (throttling instead)', () => {
  it('twenty wrong recovery codes from one client no longer lock the owner out for a day: the right code works after the wait, and the owner is told', async () => {
    const a = (api = await Api.start());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    let waited = 0;
    for (let i = 0; i < 20; i++) {
      const guess = await patiently(a, () => recover(attacker, username, wrongCode(recoveryCodes[0] ?? '')));
      expectRefusal(guess.reply, 400, 'recovery_code_invalid');
      waited += guess.waited;
    }
    // Twenty guesses cost the attacker hours, not seconds.
    expect(waited).toBeGreaterThan(2 * 3600);
    // The owner, right after: a wait of at most the ceiling, then the code works.
    const owner = await a.device();
    const wait = retryAfter(await recover(owner, username, recoveryCodes[0]));
    expect(wait).toBeLessThanOrEqual(a.config.throttleMaxSeconds);
    expect(a.config.throttleMaxSeconds).toBeLessThanOrEqual(15 * 60);
    a.clock.advance(wait);
    expectStatus(await recover(owner, username, recoveryCodes[0]), 201);
    const told = await a.notificationsOf(username);
    expect(told.map((n) => n.kind)).toContain('codes.guessed');
    expect(told.map((n) => n.kind)).not.toContain('recovery.locked');
    const note = told.find((n) => n.kind === 'codes.guessed');
    expect(JSON.parse(note?.payload ?? '{}')).toMatchObject({
      message: expect.stringContaining('Someone is trying wrong codes for your account') as unknown,
      details: { codes: 'recovery', failures: a.config.throttleFreeFailures },
    });
  });

  it('a hurried guesser gets only the free tries checked; the rest wait and are not counted', async () => {
    const a = (api = await Api.start());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await recover(attacker, username, wrongCode(recoveryCodes[0] ?? ''))).status);
    const free = a.config.throttleFreeFailures;
    expect(statuses).toEqual([...Array<number>(free).fill(400), ...Array<number>(20 - free).fill(429)]);
    const owner = await a.device();
    expect(retryAfter(await recover(owner, username, recoveryCodes[0]))).toBe(delayAfter(free, { ...throttle(a) }));
    a.clock.advance(a.config.throttleBaseSeconds);
    expectStatus(await recover(owner, username, recoveryCodes[0]), 201);
  });

  it('known and unknown usernames answer alike, waits and lock included', async () => {
    const a = (api = await Api.start({ recoveryCodeMaxAttempts: 8 }));
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const guess = wrongCode(recoveryCodes[0] ?? '');
    for (let i = 0; i < 14; i++) {
      const known = await recover(attacker, username, guess);
      const unknown = await recover(attacker, 'nobody.here', guess);
      expect({ status: unknown.status, body: unknown.body }, `try ${i + 1}`).toEqual({ status: known.status, body: known.body });
      if (known.status === 429) a.clock.advance(retryAfter(known));
    }
    // By now both are locked, and say so alike.
    const known = await recover(attacker, username, recoveryCodes[0]);
    expectRefusal(known, 423, 'recovery_locked');
    expect(await recover(attacker, 'nobody.here', 'not a code')).toEqual(known);
  });

  it('the hard lock comes only after recoveryCodeMaxAttempts failures (under NIST SP 800-63B’s 100), hours of waits later; the help desk lifts it, audited', async () => {
    const a = (api = await Api.start());
    const max = a.config.recoveryCodeMaxAttempts;
    expect(max).toBe(50);
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    let waited = 0;
    for (let i = 0; i < max; i++) {
      const guess = await patiently(a, () => recover(attacker, username, wrongCode(recoveryCodes[1] ?? '')));
      expectRefusal(guess.reply, 400, 'recovery_code_invalid');
      waited += guess.waited;
    }
    // About ten hours of patient guessing to lock one person out, and they were told at the start.
    expect(waited).toBeGreaterThan(9 * 3600);
    expectRefusal(await recover(attacker, username, recoveryCodes[1]), 423, 'recovery_locked');
    expect((await a.notificationsOf(username)).map((n) => n.kind)).toEqual(expect.arrayContaining(['codes.guessed', 'recovery.locked']));
    expectStatus(await a.admin('resetRecoveryLock', { body: { username, agent: 'grace' } }), 204);
    expect((await a.auditOf(username)).filter((e) => e.event === 'recovery.lock_reset').map((e) => e.actor)).toEqual(['agent:grace']);
    expectStatus(await recover(await a.device(), username, recoveryCodes[1]), 201);
  });
});

describe('A help-desk unlock', () => {
  it('the help desk lifts the wait with the admin CLI, audited, and the owner goes at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firstkey-unlock-'));
    try {
      const a = (api = await Api.start({ dataDir: dir }));
      const { username, recoveryCodes } = await enrolledPerson(a);
      const attacker = await a.device();
      for (let i = 0; i < 8; i++) await recover(attacker, username, wrongCode(recoveryCodes[0] ?? ''));
      const owner = await a.device();
      expect(retryAfter(await recover(owner, username, recoveryCodes[0]))).toBeGreaterThan(0);
      const lines: string[] = [];
      const exit = await runAdmin(
        ['reset-recovery-lock', '--username', username, '--agent', 'grace'],
        { FIRSTKEY_DATA_DIR: dir, USER: 'tester' },
        (line) => lines.push(line),
      );
      expect(exit, lines.join('\n')).toBe(0);
      expectStatus(await recover(owner, username, recoveryCodes[0]), 201);
      expect((await a.auditOf(username)).filter((e) => e.event === 'recovery.lock_reset')).toEqual([
        expect.objectContaining({ actor: 'agent:grace', details: expect.objectContaining({ hadFailures: true }) as unknown }),
      ]);
    } finally {
      await api?.close();
      api = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Enrolment codes: throttled, then locked only after many wrong tries', () => {
  it('wrong tries at a code slow it down; the new hire with the right code waits at most minutes; the person is told', async () => {
    const a = (api = await Api.start({ codeMaxAttempts: 20 }));
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const attacker = await a.device();
    const open = (device: Device, typed: string) => device.call('openSession', { body: { code: typed, device: device.signals } });
    for (let i = 0; i < 6; i++) expectRefusal((await patiently(a, () => open(attacker, wrongCode(code)))).reply, 400, 'code_invalid');
    const newHire = await a.device();
    const wait = retryAfter(await open(newHire, code));
    expect(wait).toBe(delayAfter(6, throttle(a)));
    a.clock.advance(wait);
    expectStatus(await open(newHire, code), 201);
    expect((await a.notificationsOf(username)).map((n) => n.kind)).toContain('codes.guessed');
  });

  it('the lock still comes, after codeMaxAttempts wrong tries with every wait honoured', async () => {
    const a = (api = await Api.start({ codeMaxAttempts: 6 }));
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const attacker = await a.device();
    const open = (typed: string) => attacker.call('openSession', { body: { code: typed, device: attacker.signals } });
    for (let i = 0; i < 6; i++) expectRefusal((await patiently(a, () => open(wrongCode(code)))).reply, 400, 'code_invalid');
    expectRefusal(await open(code), 423, 'code_locked');
  });
});

function throttle(a: Api) {
  return {
    freeFailures: a.config.throttleFreeFailures,
    baseSeconds: a.config.throttleBaseSeconds,
    maxSeconds: a.config.throttleMaxSeconds,
  };
}
