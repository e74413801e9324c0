import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { sameHex } from './chain.js';
import { hmacHex, type AuditKey } from './key.js';

/** A signed statement "the trail held `count` rows, the last one seq with this hash, at this time". */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  count: number;
  signature: string;
}

/** A checkpoint every this many rows, in the transaction of the row that reaches it. */
export const CHECKPOINT_EVERY_ROWS = 1000;

function signedText(c: Omit<Checkpoint, 'signature'>): string {
  return ['firstkey-audit-checkpoint-v1', String(c.seq), c.hash, c.at, String(c.count)].join('\n');
}

export function signCheckpoint(key: AuditKey, c: Omit<Checkpoint, 'signature'>): Checkpoint {
  return { ...c, signature: hmacHex(key.checkpoint, signedText(c)) };
}

export function checkpointSigned(key: AuditKey, c: Checkpoint): boolean {
  return sameHex(c.signature, hmacHex(key.checkpoint, signedText(c)));
}

/** PostgreSQL hands bigint back as text. */
export function checkpointOf(row: {
  seq: number | string;
  hash: string;
  at: string;
  count: number | string;
  signature: string;
}): Checkpoint {
  return { seq: Number(row.seq), hash: row.hash, at: row.at, count: Number(row.count), signature: row.signature };
}

export async function latestCheckpoint(ex: Kysely<Database>): Promise<Checkpoint | null> {
  const row = await ex
    .selectFrom('audit_checkpoints')
    .select(['seq', 'hash', 'at', 'count', 'signature'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? checkpointOf(row) : null;
}

/**
 * Signs and stores a checkpoint of the trail's current tail, inside the caller's transaction (so
 * appends are held off and the count is exact). Null when the trail is empty.
 */
export async function writeCheckpoint(tx: Kysely<Database>, clock: Clock, key: AuditKey): Promise<Checkpoint | null> {
  const tail = await tx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!tail) return null;
  const previous = await latestCheckpoint(tx);
  const since = previous ?? { seq: 0, count: 0 };
  const added = await tx
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('seq', '>', since.seq)
    .executeTakeFirstOrThrow();
  const checkpoint = signCheckpoint(key, {
    seq: tail.seq,
    hash: tail.hash,
    at: clock.now().toISOString(),
    count: since.count + Number(added.n),
  });
  await tx
    .insertInto('audit_checkpoints')
    .values({ ...checkpoint, exported_at: null })
    .execute();
  return checkpoint;
}

/**
 * Signs and stores a checkpoint of a tail the caller has just verified (not of whatever the tail is
 * by now: a row slipped in meanwhile must not be vouched for unread). Skipped when the latest
 * checkpoint already covers it.
 */
export async function writeVerifiedCheckpoint(
  tx: Kysely<Database>,
  clock: Clock,
  key: AuditKey,
  tail: { seq: number; hash: string; count: number },
): Promise<Checkpoint | null> {
  if (tail.seq === 0) return null;
  const previous = await latestCheckpoint(tx);
  if (previous && previous.seq === tail.seq && previous.hash === tail.hash) return previous;
  const checkpoint = signCheckpoint(key, { ...tail, at: clock.now().toISOString() });
  await tx
    .insertInto('audit_checkpoints')
    .values({ ...checkpoint, exported_at: null })
    .execute();
  return checkpoint;
}

/** Exported checkpoints given to the verifier: lines of `export-audit` or of the notification file; other lines skipped. */
export function parseExportedCheckpoints(text: string): Checkpoint[] {
  const found: Checkpoint[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const record = JSON.parse(line) as { type?: unknown; kind?: unknown; checkpoint?: unknown };
    const candidate = record.kind === 'audit.checkpoint' ? record.checkpoint : record.type === 'checkpoint' ? record : null;
    if (!candidate || typeof candidate !== 'object') continue;
    const c = candidate as Record<string, unknown>;
    if (typeof c.hash !== 'string' || typeof c.at !== 'string' || typeof c.signature !== 'string') continue;
    found.push({ seq: Number(c.seq), hash: c.hash, at: c.at, count: Number(c.count), signature: c.signature });
  }
  return found;
}

/** The checkpoints exported to the notification file, if there is one (none yet when it does not exist). */
export async function exportedCheckpointsIn(file: string | undefined): Promise<Checkpoint[]> {
  if (!file) return [];
  try {
    return parseExportedCheckpoints(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
