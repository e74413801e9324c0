import type { Db } from '../db/open.js';
import { GENESIS, rowHash, sameHex, type ChainKind } from './chain.js';
import { checkpointOf, checkpointSigned, type Checkpoint } from './checkpoints.js';
import type { AuditKey } from './key.js';

export type AuditFault = 'edited' | 'chain broken' | 'unkeyed' | 'missing after checkpoint' | 'checkpoint forged';

/** The first thing wrong with the trail, named so an operator can find the row. */
export interface AuditProblem {
  seq: number;
  event: string | null;
  at: string | null;
  fault: AuditFault;
  detail: string;
}

export interface AuditVerification {
  /** Rows read by this run. */
  rows: number;
  /** Where the verified chain ends (the checkpoint to continue from next time). */
  tail: { seq: number; hash: string; count: number };
  /** The latest checkpoint the chain was matched against, if any. */
  checkpoint: Checkpoint | null;
  problem: AuditProblem | null;
}

export interface VerifyOptions {
  /** Start after this verified point instead of the first row (the server's incremental runs). */
  from?: { seq: number; hash: string; count: number };
  /** Checkpoints from outside the database (export-audit, the notification file). */
  exported?: Checkpoint[];
  /** Rows per query: memory stays bounded whatever the trail's length. */
  batch?: number;
}

export function describeProblem(p: AuditProblem): string {
  return `seq ${p.seq}${p.event ? ` (${p.event} at ${p.at ?? '?'})` : ''}: ${p.fault}: ${p.detail}`;
}

/**
 * Reads the trail in seq order, in batches, and checks each row's link to the previous one, its
 * hash (keyed for every row after the chain was keyed) and every signed checkpoint at or after the
 * starting point, from the database and from outside it. Stops at the first problem.
 */
export async function verifyAudit(db: Db, key: AuditKey, opts: VerifyOptions = {}): Promise<AuditVerification> {
  const batch = opts.batch ?? 5000;
  const from = opts.from ?? { seq: 0, hash: GENESIS, count: 0 };
  const stored = (
    await db.selectFrom('audit_checkpoints').select(['id', 'seq', 'hash', 'at', 'count', 'signature']).orderBy('id').execute()
  ).map((row) => ({ id: row.id, ...checkpointOf(row), source: `checkpoint #${String(row.id)}` }));
  const outside = (opts.exported ?? []).map((c, i) => ({ id: -1 - i, ...c, source: `exported checkpoint ${String(i + 1)}` }));
  const result = (problem: AuditProblem | null, rows: number, tail: AuditVerification['tail'], checkpoint: Checkpoint | null) => ({
    rows,
    tail,
    checkpoint,
    problem,
  });
  for (const c of [...stored, ...outside]) {
    if (!checkpointSigned(key, c)) {
      return result(
        { seq: c.seq, event: null, at: c.at, fault: 'checkpoint forged', detail: `${c.source} is not signed with this audit key` },
        0,
        from,
        null,
      );
    }
  }
  // Unkeyed rows can only come from before migration 0016, and the first checkpoint ever written
  // follows them; a row after that, or after a keyed row, claiming sha256 is a rewrite.
  const firstCheckpointSeq = stored.length > 0 ? Math.min(...stored.map((c) => c.seq)) : null;
  const expected = new Map<number, (typeof stored)[number]>();
  for (const c of [...stored, ...outside]) {
    if (c.seq <= from.seq) continue;
    const seen = expected.get(c.seq);
    if (seen && (seen.hash !== c.hash || seen.count !== c.count)) {
      return result(
        { seq: c.seq, event: null, at: c.at, fault: 'edited', detail: `${c.source} and ${seen.source} disagree about this row` },
        0,
        from,
        null,
      );
    }
    if (!seen || c.source.startsWith('exported')) expected.set(c.seq, c);
  }
  let prev = from.hash;
  let count = from.count;
  let last = from.seq;
  let rows = 0;
  let keyedSeen = false;
  let matched: Checkpoint | null = null;
  for (;;) {
    const page = await db.selectFrom('audit_events').selectAll().where('seq', '>', last).orderBy('seq').limit(batch).execute();
    for (const row of page) {
      const seq = row.seq;
      const bad = (fault: AuditFault, detail: string) =>
        result({ seq, event: row.event, at: row.at, fault, detail }, rows, { seq: last, hash: prev, count }, matched);
      rows += 1;
      count += 1;
      const kind: ChainKind | null = row.chain === 'hmac' || row.chain === 'sha256' ? row.chain : null;
      if (!kind) return bad('edited', `unknown chain kind ${row.chain}`);
      if (!sameHex(row.prev_hash, prev)) {
        return bad(
          'chain broken',
          'its previous hash is not the hash of the row before it (a row before it was removed, inserted or rewritten)',
        );
      }
      if (kind === 'sha256' && (keyedSeen || (firstCheckpointSeq !== null && seq > firstCheckpointSeq) || opts.from)) {
        return bad(
          'unkeyed',
          'a row written after the chain was keyed carries a plain SHA-256 hash: it was recomputed without the audit key',
        );
      }
      if (!sameHex(row.hash, rowHash(kind, key, prev, row))) {
        return bad(
          'edited',
          kind === 'hmac' ? 'its hash does not match its contents under the audit key' : 'its SHA-256 hash does not match its contents',
        );
      }
      const checkpoint = expected.get(seq);
      if (checkpoint) {
        if (!sameHex(checkpoint.hash, row.hash)) return bad('edited', `${checkpoint.source} signed another hash for this row`);
        if (checkpoint.count !== count) {
          return bad(
            'chain broken',
            `${checkpoint.source} counted ${String(checkpoint.count)} rows up to here, the table holds ${String(count)}`,
          );
        }
        expected.delete(seq);
        matched = checkpoint;
      }
      keyedSeen ||= kind === 'hmac';
      prev = row.hash;
      last = seq;
    }
    if (page.length < batch) break;
  }
  const missing = [...expected.values()].sort((a, b) => a.seq - b.seq)[0];
  if (missing) {
    return result(
      {
        seq: last + 1,
        event: null,
        at: null,
        fault: 'missing after checkpoint',
        detail: `${missing.source} (at ${missing.at}) covers rows up to seq ${String(missing.seq)}, ${String(missing.count)} rows; the table ends at seq ${String(last)} with ${String(count)}`,
      },
      rows,
      { seq: last, hash: prev, count },
      matched,
    );
  }
  return result(null, rows, { seq: last, hash: prev, count }, matched);
}
