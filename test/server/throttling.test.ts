import { agentBearer, asAgent } from '../support/operators.js';
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

/** A recovery try from a client address of the test's choosing, as the proxy on loopback names it. */
const recoverFrom = (address: string, device: Device, username: string, code: string | undefined) =>
  device.call('openRecoverySession', {
    headers: { 'x-forwarded-for': address },
    body: { method: 'recovery-code', username, code, device: device.signals },
  });

/** Behind a proxy on loopback, so each test names its clients with X-Forwarded-For. */
const behindProxy = (overrides: Parameters<typeof Api.start>[0] = {}) => Api.start({ trustedProxies: ['127.0.0.1'], ...overrides });

describe('One client can still lock a person out of recovery codes', () => {
  it('an attacker trying at every wait boundary from one address cannot lock the owner, and the owner (another address) still gets through', async () => {
    const a = (api = await behindProxy());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const guess = wrongCode(recoveryCodes[0] ?? '');
    let checked = 0;
    let refusedForGood = 0;
    // Five days of a patient guesser who honours every Retry-After to the second.
    for (let day = 0; day < 5; day++) {
      for (let i = 0; i < 200; i++) {
        const reply = await recoverFrom('198.51.100.7', attacker, username, guess);
        if (reply.status === 400) checked++;
        else if (reply.status === 429) a.clock.advance(retryAfter(reply));
        else {
          expectRefusal(reply, 423, 'recovery_locked');
          refusedForGood++;
          break;
        }
      }
      a.clock.advance(24 * 3600);
    }
    // One address spends at most its share of the username's count, far below the lock.
    expect(checked).toBe(a.config.recoveryClientMaxFailures);
    expect(checked).toBeLessThan(a.config.recoveryCodeMaxAttempts);
    expect(refusedForGood).toBe(5);
    // The owner, from home, goes at once: no wait, no lock.
    expectStatus(await recoverFrom('203.0.113.40', await a.device(), username, recoveryCodes[0]), 201);
    const told = (await a.notificationsOf(username)).map((n) => n.kind);
    expect(told).toContain('codes.guessed');
    expect(told).not.toContain('recovery.locked');
  });

  it('a hurried guesser from one address gets only the free tries checked; the owner elsewhere is not slowed at all', async () => {
    const a = (api = await behindProxy());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await recoverFrom('198.51.100.8', attacker, username, wrongCode(recoveryCodes[0] ?? ''))).status);
    const free = a.config.throttleFreeFailures;
    expect(statuses).toEqual([...Array<number>(free).fill(400), ...Array<number>(20 - free).fill(429)]);
    expectStatus(await recoverFrom('203.0.113.41', await a.device(), username, recoveryCodes[0]), 201);
  });

  it('Retry-After of a recovery wait is rounded up to a coarse step: it never tells the exact end of the wait', async () => {
    const a = (api = await behindProxy());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const reply = await recoverFrom('198.51.100.9', attacker, username, wrongCode(recoveryCodes[0] ?? ''));
      if (reply.status !== 429) continue;
      const wait = retryAfter(reply);
      waits.push(wait);
      a.clock.advance(wait);
    }
    expect(waits.length).toBeGreaterThan(0);
    // The doubling waits are 2, 4, 8 s...: told as whole steps of 10 s (a minute above one), never less than the real wait.
    for (const [i, wait] of waits.entries()) {
      expect(wait % 10).toBe(0);
      expect(wait).toBeGreaterThanOrEqual(delayAfter(a.config.throttleFreeFailures + i, throttle(a)));
    }
    expect(waits[0]).not.toBe(delayAfter(a.config.throttleFreeFailures, throttle(a)));
  });

  it('one address trying wrong codes for many usernames is stopped after recoveryClientMaxFailures per window; another address is unaffected', async () => {
    const a = (api = await behindProxy());
    const max = a.config.recoveryClientMaxFailures;
    expect(max).toBe(10);
    const { username, recoveryCodes } = await enrolledPerson(a);
    const sprayer = await a.device();
    for (let i = 0; i < max; i++)
      expectRefusal(await recoverFrom('198.51.100.10', sprayer, `user.${i}`, 'AAAA-BBBB-CCCC-DDDD'), 400, 'recovery_code_invalid');
    const stopped = await recoverFrom('198.51.100.10', sprayer, username, recoveryCodes[0]);
    const wait = retryAfter(stopped);
    // The client's window, not a short backoff: it ends at the next multiple of the window on the clock
    // (windows are aligned, so near the end of one the wait is short whatever the time of day the test runs).
    const size = a.config.recoveryClientWindowSeconds * 1000;
    const now = a.clock.now().getTime();
    const windowEnd = (Math.floor(now / size) * size + size - now) / 1000;
    expect(Math.abs(wait - windowEnd)).toBeLessThanOrEqual(1);
    // Unknown and known usernames alike; and the owner, elsewhere, is not held up.
    expect(await recoverFrom('198.51.100.10', sprayer, 'nobody.here', recoveryCodes[0])).toEqual(stopped);
    expectStatus(await recoverFrom('203.0.113.42', await a.device(), username, recoveryCodes[0]), 201);
    // The next window, the sprayer is heard again.
    a.clock.advance(wait);
    expectRefusal(await recoverFrom('198.51.100.10', sprayer, 'user.x', 'AAAA-BBBB-CCCC-DDDD'), 400, 'recovery_code_invalid');
  });

  it('an IPv6 client is one client across its /64: rotating addresses inside it gains nothing', async () => {
    const a = (api = await behindProxy());
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++)
      statuses.push((await recoverFrom(`2001:db8:7:1::${i.toString(16)}`, attacker, username, wrongCode(recoveryCodes[0] ?? ''))).status);
    const free = a.config.throttleFreeFailures;
    expect(statuses).toEqual([...Array<number>(free).fill(400), ...Array<number>(6 - free).fill(429)]);
  });

  it('a lock set lower than the client share still cannot be reached from one address: the share shrinks below it', async () => {
    const a = (api = await behindProxy({ recoveryCodeMaxAttempts: 5, throttleFreeFailures: 10 }));
    expect(a.config.recoveryClientMaxFailures).toBeGreaterThanOrEqual(5);
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await recoverFrom('198.51.100.12', attacker, username, wrongCode(recoveryCodes[0] ?? ''))).status);
    // Four checked, then refused: the client's share is one below the lock, whatever the setting says.
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses.slice(4).every((s) => s === 423 || s === 429)).toBe(true);
    expectStatus(await recoverFrom('203.0.113.45', await a.device(), username, recoveryCodes[0]), 201);
  });

  it('known and unknown usernames answer alike, waits and refusal for good included', async () => {
    const a = (api = await behindProxy({ recoveryCodeMaxAttempts: 8, recoveryClientMaxFailures: 4 }));
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const guess = wrongCode(recoveryCodes[0] ?? '');
    for (let i = 0; i < 10; i++) {
      const known = await recoverFrom('198.51.100.11', attacker, username, guess);
      const unknown = await recoverFrom('198.51.100.11', attacker, 'nobody.here', guess);
      expect({ status: unknown.status, body: unknown.body }, `try ${i + 1}`).toEqual({ status: known.status, body: known.body });
      if (known.status === 429) a.clock.advance(retryAfter(known));
    }
    const known = await recoverFrom('198.51.100.11', attacker, username, recoveryCodes[0]);
    expectRefusal(known, 423, 'recovery_locked');
    expect(await recoverFrom('198.51.100.11', attacker, 'nobody.here', 'not a code')).toEqual(known);
  });

  it('a distributed attacker (many addresses) still meets the hard lock after recoveryCodeMaxAttempts (under NIST SP 800-63B’s 100); the owner is told and the help desk lifts it, audited', async () => {
    const a = (api = await behindProxy());
    const max = a.config.recoveryCodeMaxAttempts;
    expect(max).toBe(50);
    const { username, recoveryCodes } = await enrolledPerson(a);
    const attacker = await a.device();
    const addresses = Math.ceil(max / a.config.recoveryClientMaxFailures);
    let checked = 0;
    for (let n = 0; n < addresses && checked < max; n++) {
      for (let i = 0; i < a.config.recoveryClientMaxFailures && checked < max; i++) {
        const guess = await patiently(a, () => recoverFrom(`198.51.${n}.20`, attacker, username, wrongCode(recoveryCodes[1] ?? '')));
        expectRefusal(guess.reply, 400, 'recovery_code_invalid');
        checked++;
      }
    }
    expect(checked).toBe(max);
    // Now locked for everyone, the owner included.
    expectRefusal(await recoverFrom('203.0.113.43', await a.device(), username, recoveryCodes[1]), 423, 'recovery_locked');
    expect((await a.notificationsOf(username)).map((n) => n.kind)).toEqual(expect.arrayContaining(['codes.guessed', 'recovery.locked']));
    expectStatus(await asAgent(a, 'grace', 'resetRecoveryLock', { body: { username } }), 204);
    expect((await a.auditOf(username)).filter((e) => e.event === 'recovery.lock_reset').map((e) => e.actor)).toEqual(['account:grace']);
    expectStatus(await recoverFrom('203.0.113.44', await a.device(), username, recoveryCodes[1]), 201);
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
        ['reset-recovery-lock', '--username', username],
        { FIRSTKEY_DATA_DIR: dir, USER: 'tester', FIRSTKEY_TOKEN: await agentBearer(a, 'grace') },
        (line) => lines.push(line),
      );
      expect(exit, lines.join('\n')).toBe(0);
      expectStatus(await recover(owner, username, recoveryCodes[0]), 201);
      expect((await a.auditOf(username)).filter((e) => e.event === 'recovery.lock_reset')).toEqual([
        expect.objectContaining({ actor: 'account:grace', details: expect.objectContaining({ hadFailures: true }) as unknown }),
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

describe('Enrolment-code throttle checked after the code instead of reserved before it', () => {
  it('forty wrong tries at one code sent at once: only the free ones are compared, the rest wait; the code is then slowed and the person told', async () => {
    const a = (api = await Api.start({ codeMaxAttempts: 20, clientMaxFailures: 100 }));
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const attacker = await a.device();
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => attacker.call('openSession', { body: { code: wrongCode(code), device: attacker.signals } })),
    );
    const free = a.config.throttleFreeFailures;
    expect(replies.filter((r) => r.status === 400)).toHaveLength(free);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(40 - free);
    expect((await a.notificationsOf(username)).map((n) => n.kind)).toContain('codes.guessed');
    // The new hire, after the wait, still gets in.
    const newHire = await a.device();
    a.clock.advance(retryAfter(await newHire.call('openSession', { body: { code, device: newHire.signals } })));
    expectStatus(await newHire.call('openSession', { body: { code, device: newHire.signals } }), 201);
  });

  it('tries racing the last allowed one all end locked: the lock comes, and no try clears it', async () => {
    const a = (api = await Api.start({ codeMaxAttempts: 4, clientMaxFailures: 100 }));
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const attacker = await a.device();
    const open = (typed: string) => attacker.call('openSession', { body: { code: typed, device: attacker.signals } });
    for (let i = 0; i < 3; i++) expectRefusal((await patiently(a, () => open(wrongCode(code)))).reply, 400, 'code_invalid');
    a.clock.advance(a.config.throttleMaxSeconds);
    const replies = await Promise.all(Array.from({ length: 20 }, () => open(wrongCode(code))));
    expect(replies.filter((r) => r.status === 400)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 423)).toHaveLength(19);
    a.clock.advance(a.config.throttleMaxSeconds);
    expectRefusal(await open(code), 423, 'code_locked');
  });
});

describe('Live and unknown enrolment-code handles answer differently', () => {
  it('a handle no code has answers try for try as a live code does: free tries, waits, then locked', async () => {
    const a = (api = await Api.start({ codeMaxAttempts: 6, clientMaxFailures: 100 }));
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const attacker = await a.device();
    const open = (typed: string) => attacker.call('openSession', { body: { code: typed, device: attacker.signals } });
    // The same secret behind the live handle and behind one no code has.
    const secret = wrongCode(code).replace(/-/g, '').slice(4);
    const handle = code.slice(0, 4) === 'ZZZZ' ? 'YYYY' : 'ZZZZ';
    for (let i = 0; i < 14; i++) {
      const live = await open(wrongCode(code));
      const unknown = await open(`${handle}${secret}`);
      expect({ status: unknown.status, body: unknown.body }, `try ${i + 1}`).toEqual({ status: live.status, body: live.body });
      if (live.status === 429) a.clock.advance(retryAfter(live));
    }
    expectRefusal(await open(`${handle}${secret}`), 423, 'code_locked');
  });
});

function throttle(a: Api) {
  return {
    freeFailures: a.config.throttleFreeFailures,
    baseSeconds: a.config.throttleBaseSeconds,
    maxSeconds: a.config.throttleMaxSeconds,
  };
}
