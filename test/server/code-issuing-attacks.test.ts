import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCode } from '../../server/enrolment/codes.js';
import { newService, TEST_DEVICE, TEST_JKT, type ServiceHarness } from '../support/service-harness.js';

/**
 * Enrolment code handles are short and unique across every code ever issued, so a new code's
 * handle clashes with an old one's from time to time. An attacker who could make issuing fail
 * (or hand out a handle twice) would block enrolment or confuse whose code is whose: a clash must
 * be drawn again, and the new code must work.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TAKEN_FIRST = ALPHABET.slice(0, 4);

let h: ServiceHarness;
beforeEach(async () => {
  h = await newService();
  await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
});
afterEach(() => h.close());

describe('issuing enrolment codes when handles clash', () => {
  it('an eighth of all handles already taken: every new code is drawn again until its handle is free, and works', async () => {
    const ada = await h.db.selectFrom('users').select('id').where('username', '=', 'ada.new').executeTakeFirstOrThrow();
    // Every handle whose first character is one of the first four of the alphabet: 4 * 32^3 = 131072 codes.
    await sql`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 131071)
      INSERT INTO enrolment_codes (id, user_id, handle, secret_hash, created_at, expires_at)
      SELECT 'old-' || i, ${ada.id},
        substr(${TAKEN_FIRST}, (i >> 15) + 1, 1) || substr(${ALPHABET}, ((i >> 10) & 31) + 1, 1) ||
        substr(${ALPHABET}, ((i >> 5) & 31) + 1, 1) || substr(${ALPHABET}, (i & 31) + 1, 1),
        'x', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'
      FROM n`.execute(h.db);
    const issued = [];
    // Each draw clashes with probability 1/8: a hundred codes without a single redraw would be a
    // one-in-a-million fluke, and so would eight clashes in a row (the most the service draws).
    for (let i = 0; i < 100; i++) issued.push(await h.services.accounts.issueCode('ada.new', 'test'));
    const handles = issued.map((c) => parseCode(c.code)!.handle);
    for (const handle of handles) expect(TAKEN_FIRST.includes(handle[0]!), handle).toBe(false);
    expect(new Set(handles).size).toBe(100);
    await expect(h.services.enrolment.openSession(issued[77]!.code, TEST_JKT, TEST_DEVICE)).resolves.toMatchObject({
      session: { user: { username: 'ada.new' } },
    });
  });
});
