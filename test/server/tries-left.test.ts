import { afterEach, describe, expect, it } from 'vitest';
import { approvedRequest, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';

/**
 * "Wrong-code messages should say how many tries are left", for recovery and help-desk codes (the
 * enrolment code's case is in code-reuse-after-timeout.test.ts): the refusal carries the tries its
 * owner has left before the waits and, near the lock, before the lock, counted for what was typed,
 * so an unknown username hears exactly what a known one does.
 */
const FILED_FROM = 'jkt-of-the-device-that-filed-000000000000';

let b: RecoveryBench;
afterEach(() => b.close());

/** What a refused try carried: its code and tries. */
async function refusal(attempt: Promise<unknown>): Promise<{ code: string; tries?: unknown }> {
  try {
    await attempt;
  } catch (error) {
    const { code, tries } = error as { code: string; tries?: unknown };
    return tries === undefined ? { code } : { code, tries };
  }
  throw new Error('the try was not refused');
}

describe('recovery codes', () => {
  it('say the tries left before this client waits, and near a lock (this client’s share, or the username’s) before it', async () => {
    b = await recoveryBench({ recoveryCodeMaxAttempts: 6, recoveryClientMaxFailures: 5, throttleFreeFailures: 3, throttleMaxSeconds: 60 });
    const ada = await b.addUser('ada');
    await b.recoveryCodes.replaceIn(b.db, ada.id, await b.recoveryCodes.prepare());
    const said = [];
    for (let i = 0; i < 5; i++) {
      said.push(await refusal(b.recoveryCodes.redeem('ada', 'AAAA-BBBB-CCCC-DDDD', null, '192.0.2.1')));
      b.clock.advance(60);
    }
    // This client may make 5 of the username's 6: the lock it can reach is its own share.
    expect(said).toEqual([
      { code: 'recovery_code_invalid', tries: { beforeWait: 2 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 1, beforeLock: 3 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 2 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 1 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 0 } },
    ]);
    // As said: no sixth try from this address (its share is spent), and none checked.
    expect(await refusal(b.recoveryCodes.redeem('ada', 'AAAA-BBBB-CCCC-DDDD', null, '192.0.2.1'))).toEqual({ code: 'rate_limited' });
  });

  it('far from any lock, say only the tries before the wait', async () => {
    b = await recoveryBench({ recoveryCodeMaxAttempts: 50, recoveryClientMaxFailures: 30, throttleFreeFailures: 3 });
    await b.addUser('ada');
    expect(await refusal(b.recoveryCodes.redeem('ada', 'AAAA-BBBB-CCCC-DDDD', null, '192.0.2.1'))).toEqual({
      code: 'recovery_code_invalid',
      tries: { beforeWait: 2 },
    });
  });

  it('an unknown username hears, try for try, exactly what a known one does', async () => {
    b = await recoveryBench({ recoveryCodeMaxAttempts: 6, recoveryClientMaxFailures: 5, throttleFreeFailures: 3, throttleMaxSeconds: 60 });
    const ada = await b.addUser('ada');
    await b.recoveryCodes.replaceIn(b.db, ada.id, await b.recoveryCodes.prepare());
    for (let i = 0; i < 7; i++) {
      // Each from its own address, so neither spends the other's share of tries.
      const known = await refusal(b.recoveryCodes.redeem('ada', 'AAAA-BBBB-CCCC-DDDD', null, '192.0.2.1'));
      const unknown = await refusal(b.recoveryCodes.redeem('nobody.here', 'AAAA-BBBB-CCCC-DDDD', null, '198.51.100.1'));
      expect(unknown).toEqual(known);
      b.clock.advance(60);
    }
  });
});

describe('help-desk codes', () => {
  it('say the tries left before the wait, and near the request lock before it', async () => {
    b = await recoveryBench({ helpdeskCodeMaxAttempts: 5, throttleFreeFailures: 3, throttleMaxSeconds: 60 });
    await b.addUser('ada');
    const { id } = await approvedRequest(b, FILED_FROM);
    const said = [];
    for (let i = 0; i < 6; i++) {
      said.push(await refusal(b.helpdesk.redeem(id, 'AAAA-BBBB-CCCC-DDDD', FILED_FROM)));
      b.clock.advance(60);
    }
    expect(said).toEqual([
      { code: 'recovery_code_invalid', tries: { beforeWait: 2 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 1, beforeLock: 3 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 2 } },
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 1 } },
      // The fifth is the last the request allows: refused, and the request locks.
      { code: 'recovery_code_invalid', tries: { beforeWait: 0, beforeLock: 0 } },
      { code: 'recovery_locked' },
    ]);
  });
});
