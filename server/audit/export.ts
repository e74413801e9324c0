import type { Db } from '../db/open.js';
import { checkpointOf } from './checkpoints.js';

/** `--since 2026-01-31` / an ISO timestamp, or `30d` (days before now). */
export function parseSince(value: string, now: Date): Date {
  const days = /^(\d+)d$/.exec(value);
  if (days) return new Date(now.getTime() - Number(days[1]) * 86_400_000);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new Error(`--since wants an ISO date or a number of days like 30d, not ${value}`);
  return at;
}

/**
 * The trail from `since` as JSON lines a SIEM ingests: one event per line, and each checkpoint on
 * its own line after the row it covers (the lines verify-audit --checkpoint reads). Streamed in
 * batches: memory stays bounded.
 */
export async function exportAudit(db: Db, since: Date, write: (line: string) => Promise<void> | void, batch = 5000): Promise<number> {
  const from = since.toISOString();
  const checkpoints = (
    await db.selectFrom('audit_checkpoints').selectAll().where('at', '>=', from).orderBy('seq').orderBy('id').execute()
  ).map(checkpointOf);
  let next = 0;
  let last = 0;
  let lines = 0;
  const flushCheckpoints = async (upTo: number) => {
    while (next < checkpoints.length && (checkpoints[next]?.seq ?? Infinity) <= upTo) {
      const c = checkpoints[next++];
      if (c) await write(JSON.stringify({ type: 'checkpoint', ...c }));
    }
  };
  for (;;) {
    const page = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', last)
      .where('at', '>=', from)
      .orderBy('seq')
      .limit(batch)
      .execute();
    for (const row of page) {
      const seq = row.seq;
      await flushCheckpoints(seq - 1);
      await write(
        JSON.stringify({
          type: 'event',
          seq,
          at: row.at,
          event: row.event,
          actor: row.actor,
          userId: row.user_id,
          details: JSON.parse(row.details) as unknown,
          hash: row.hash,
          prevHash: row.prev_hash,
          chain: row.chain,
        }),
      );
      await flushCheckpoints(seq);
      last = seq;
      lines += 1;
    }
    if (page.length < batch) break;
  }
  await flushCheckpoints(Infinity);
  return lines;
}
