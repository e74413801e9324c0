import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCode } from '../../server/enrolment/codes.js';
import type { TryVerdict } from '../../server/limits/attempt-throttle.js';
import {
  codeTryRules,
  lockCodeIfSpent,
  lockUnknownHandleIfSpent,
  refusalOf,
  reserveCodeTry,
  reserveUnknownHandleTry,
} from '../../server/limits/code-tries.js';
import { newService, type ServiceHarness } from '../support/service-harness.js';

/** An attacker racing tries at an enrolment code past its throttle, or telling a live handle from an unknown one by the answers. */

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
