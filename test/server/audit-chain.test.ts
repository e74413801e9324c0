import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit.js';
import { GENESIS, rowHash } from '../../server/audit/chain.js';
import { currentAuditKey } from '../../server/audit/key.js';
import { verifyAndCheckpoint } from '../../server/audit/monitor.js';
import { verifyAudit } from '../../server/audit/verifier.js';
import { systemClock } from '../../server/clock.js';
import { openTestDatabase, TEST_DATABASE, type TestDatabase } from '../support/test-database.js';

/** Rows from before migration 0016 keep verifying the old way; a new row cannot be passed off as one. */
let database: TestDatabase;
const discard = () => Promise.resolve();

beforeEach(async () => {
  database = await openTestDatabase();
});

afterEach(async () => {
  await database.close();
});

/** A row as the server wrote it before the chain was keyed: plain SHA-256, marked sha256 by the migration. */
async function legacyRow(prev: string, i: number): Promise<string> {
  const row = { at: `2025-01-0${String(i + 1)}T00:00:00.000Z`, event: 'user.created', actor: 'cli:old', user_id: null, details: '{}' };
  const hash = createHash('sha256').update([prev, row.at, row.event, row.actor, '', row.details].join('\n')).digest('hex');
  await sql`INSERT INTO audit_events (at, event, actor, user_id, details, prev_hash, hash, chain) VALUES (${row.at}, ${row.event}, ${row.actor}, ${null}, ${row.details}, ${prev}, ${hash}, 'sha256')`.execute(
    database.db,
  );
  return hash;
}

describe(`the keyed chain after older rows (${TEST_DATABASE})`, () => {
  it('older unkeyed rows verify the old way, new rows are keyed, and a keyed row cannot be downgraded', async () => {
    let prev = GENESIS;
    for (let i = 0; i < 3; i++) prev = await legacyRow(prev, i);
    await appendAudit(database.db, systemClock, { event: 'user.created', actor: 'test', userId: null });
    await appendAudit(database.db, systemClock, { event: 'user.created', actor: 'test', userId: null });
    const chains = (await sql<{ chain: string }>`SELECT chain FROM audit_events ORDER BY seq`.execute(database.db)).rows.map(
      (r) => r.chain,
    );
    expect(chains).toEqual(['sha256', 'sha256', 'sha256', 'hmac', 'hmac']);
    const first = await verifyAndCheckpoint(database.db, currentAuditKey(), systemClock, discard);
    expect(first.problem).toBeNull();
    expect(first.checkpoint).toMatchObject({ seq: 5, count: 5 });

    type Fields = { at: string; event: string; actor: string; user_id: string | null; details: string; prev_hash: string };
    const read = async (seq: number) => {
      const row = (await sql<Fields>`SELECT * FROM audit_events WHERE seq = ${seq}`.execute(database.db)).rows[0];
      if (!row) throw new Error(`no row ${String(seq)}`);
      return row;
    };
    const key = currentAuditKey();
    await appendAudit(database.db, systemClock, { event: 'user.created', actor: 'test', userId: null });
    if (TEST_DATABASE === 'postgres') await sql`DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events`.execute(database.db);
    else await sql`DROP TRIGGER IF EXISTS audit_no_update`.execute(database.db);

    // Row 6, after the first checkpoint, recomputed as if it were an old row: named as unkeyed.
    const row6 = await read(6);
    await sql`UPDATE audit_events SET hash = ${rowHash('sha256', key, row6.prev_hash, row6)}, chain = 'sha256' WHERE seq = 6`.execute(
      database.db,
    );
    expect((await verifyAudit(database.db, key)).problem).toMatchObject({ seq: 6, fault: 'unkeyed' });

    // Rows 4 and 5, keyed before that checkpoint, recomputed as old rows: they pass as old rows, but
    // without the key the checkpoint at 5 cannot be re-signed, and its hash no longer matches.
    const row4 = await read(4);
    const hash4 = rowHash('sha256', key, row4.prev_hash, row4);
    await sql`UPDATE audit_events SET hash = ${hash4}, chain = 'sha256' WHERE seq = 4`.execute(database.db);
    const row5 = await read(5);
    await sql`UPDATE audit_events SET prev_hash = ${hash4}, hash = ${rowHash('sha256', key, hash4, row5)}, chain = 'sha256' WHERE seq = 5`.execute(
      database.db,
    );
    expect((await verifyAudit(database.db, key)).problem).toMatchObject({ seq: 5, fault: 'edited' });
  });

  it('a checkpoint every 1000 rows, in the transaction of the row that reaches it', async () => {
    for (let i = 0; i < 1001; i++) await appendAudit(database.db, systemClock, { event: 'device.seen', actor: 'test', userId: null });
    const checkpoints = (await sql<{ seq: number; count: number }>`SELECT seq, count FROM audit_checkpoints`.execute(database.db)).rows;
    expect(checkpoints.map((c) => [c.seq, c.count])).toEqual([[1000, 1000]]);
  });
});
