import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSeconds } from '../../server/clock.js';
import { IDLE_THROTTLE_DAYS, sweepIdleThrottles } from '../../server/enrolment/sweeper.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';
import { TestClock } from '../support/test-clock.js';

/** The attempt counters behind code throttling stay small: old ones go, a lock in force stays. */
describe('the sweep of idle attempt counters', () => {
  let t: TestDatabase;
  const clock = new TestClock();
  beforeEach(async () => {
    t = await openTestDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it('forgets counters idle for longer than the limit, keeps recent ones and any lock still in force', async () => {
    const now = clock.now();
    const old = addSeconds(now, -(IDLE_THROTTLE_DAYS + 1) * 86_400).toISOString();
    const row = (key: string, updatedAt: string, lockedUntil: string | null) => ({
      key,
      failures: 5,
      next_try_at: null,
      locked_until: lockedUntil,
      updated_at: updatedAt,
    });
    await t.db
      .insertInto('attempt_throttles')
      .values([
        row('old', old, null),
        row('old-lock-over', old, addSeconds(now, -60).toISOString()),
        row('old-lock-in-force', old, addSeconds(now, 3600).toISOString()),
        row('recent', addSeconds(now, -86_400).toISOString(), null),
      ])
      .execute();
    expect(await sweepIdleThrottles({ db: t.db, clock })).toBe(2);
    const left = await t.db.selectFrom('attempt_throttles').select('key').orderBy('key').execute();
    expect(left.map((r) => r.key)).toEqual(['old-lock-in-force', 'recent']);
  });
});
