import type { Clock } from '../clock.js';
import type { DatabaseHandle, Db } from '../db/open.js';
import { transaction } from '../db/transaction.js';
import { appendAuditIn } from '../audit.js';
import type { AuditRecordSink } from '../notifications/audit-records.js';
import { sameHex } from './chain.js';
import { checkpointOf, checkpointSigned, writeVerifiedCheckpoint, type Checkpoint } from './checkpoints.js';
import type { AuditKey } from './key.js';
import { guardAppendOnly } from './trigger-guard.js';
import { describeProblem, verifyAudit, type AuditProblem } from './verifier.js';

/** Sends checkpoints not yet exported to the sink, oldest first, and marks them; a failing sink leaves them for the next run. */
export async function exportCheckpoints(db: Db, sink: AuditRecordSink, clock: Clock): Promise<number> {
  const rows = await db.selectFrom('audit_checkpoints').selectAll().where('exported_at', 'is', null).orderBy('id').execute();
  for (const row of rows) {
    await sink({ kind: 'audit.checkpoint', createdAt: clock.now().toISOString(), checkpoint: checkpointOf(row) });
    await db.updateTable('audit_checkpoints').set({ exported_at: clock.now().toISOString() }).where('id', '=', row.id).execute();
  }
  return rows.length;
}

/**
 * Verifies once, from `from` (or from the first row) to the tail, and on success writes and exports a
 * checkpoint of the tail: "at each verification". Used by the server's monitor and verify-audit.
 */
export async function verifyAndCheckpoint(
  db: Db,
  key: AuditKey,
  clock: Clock,
  sink: AuditRecordSink,
  opts: { from?: Checkpoint; exported?: Checkpoint[] } = {},
): Promise<{ problem: AuditProblem | null; rows: number; checkpoint: Checkpoint | null; count: number }> {
  if (opts.from) {
    // The point we resume from must still be there as signed: otherwise the rows it vouched for went.
    const anchor = await db.selectFrom('audit_events').select(['hash', 'event', 'at']).where('seq', '=', opts.from.seq).executeTakeFirst();
    const { n } = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('seq', '<=', opts.from.seq)
      .executeTakeFirstOrThrow();
    if (!anchor || !sameHex(anchor.hash, opts.from.hash) || Number(n) !== opts.from.count) {
      const problem: AuditProblem = anchor
        ? {
            seq: opts.from.seq,
            event: anchor.event,
            at: anchor.at,
            fault: 'edited',
            detail: `no longer matches checkpoint at seq ${String(opts.from.seq)} verified earlier (hash or row count changed)`,
          }
        : {
            seq: opts.from.seq,
            event: null,
            at: null,
            fault: 'missing after checkpoint',
            detail: `the row checkpointed at ${opts.from.at} is gone`,
          };
      return { problem, rows: 0, checkpoint: null, count: 0 };
    }
  }
  const verification = await verifyAudit(db, key, {
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.exported ? { exported: opts.exported } : {}),
  });
  if (verification.problem)
    return { problem: verification.problem, rows: verification.rows, checkpoint: null, count: verification.tail.count };
  const checkpoint = await transaction(db, (tx) => writeVerifiedCheckpoint(tx, clock, key, verification.tail));
  await exportCheckpoints(db, sink, clock);
  return { problem: null, rows: verification.rows, checkpoint: checkpoint ?? verification.checkpoint, count: verification.tail.count };
}

/** The latest stored checkpoint whose signature holds: where an instance starting up resumes verifying. */
async function latestSigned(handle: DatabaseHandle, key: AuditKey): Promise<Checkpoint | undefined> {
  const rows = await handle.db.selectFrom('audit_checkpoints').selectAll().orderBy('id', 'desc').limit(50).execute();
  return rows.map(checkpointOf).find((c) => checkpointSigned(key, c));
}

/**
 * Each instance checks the trail at start (the append-only triggers, then the chain from the last
 * signed checkpoint) and every auditVerifySeconds from where it last verified, remembering that
 * point in memory: a tail cut off behind its back, checkpoints and all, still shows.
 */
export class AuditMonitor {
  private verified: Checkpoint | undefined;
  private problem: AuditProblem | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly key: AuditKey,
    private readonly clock: Clock,
    private readonly sink: AuditRecordSink,
    private readonly log: (line: string) => void,
    /**
     * The checkpoints this deployment exported (its notification file). Read only when the database
     * holds no signed checkpoint to resume from: then a trail rewritten with its checkpoints deleted
     * must still match what was shipped, or this instance would sign a checkpoint over the forgery.
     */
    private readonly exported: () => Promise<Checkpoint[]> = () => Promise.resolve([]),
  ) {}

  /** The first bad row found, for /readyz; null while the chain holds. */
  brokenAt(): string | null {
    return this.problem ? describeProblem(this.problem) : null;
  }

  async start(intervalSeconds: number): Promise<void> {
    const restored = await guardAppendOnly(this.handle.db, this.handle.kind);
    if (restored.length > 0) {
      await transaction(this.handle.db, (tx) =>
        appendAuditIn(tx, this.clock, {
          event: 'audit.trigger_restored',
          actor: 'system',
          userId: null,
          details: { triggers: restored.join(',') },
        }),
      );
      const message = `audit: the append-only trigger(s) ${restored.join(', ')} on audit_events were missing and have been restored: someone with database access removed them`;
      this.log(message);
      await this.sink({
        kind: 'audit.trigger_restored',
        createdAt: this.clock.now().toISOString(),
        message,
        details: { table: 'audit_events', triggers: restored },
      });
    }
    this.verified = await latestSigned(this.handle, this.key);
    await this.verifyNow(this.verified ? [] : await this.exportedOrNone());
    this.timer = setInterval(() => {
      void this.verifyNow();
    }, intervalSeconds * 1000);
    this.timer.unref();
  }

  /** One incremental run; a broken chain stays reported until the process restarts with the trail repaired. */
  verifyNow(exported: Checkpoint[] = []): Promise<void> {
    this.running ??= this.run(exported).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async exportedOrNone(): Promise<Checkpoint[]> {
    try {
      return await this.exported();
    } catch (error) {
      this.log(`audit: the exported checkpoints could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  private async run(exported: Checkpoint[]): Promise<void> {
    if (this.problem) return;
    try {
      const outcome = await verifyAndCheckpoint(this.handle.db, this.key, this.clock, this.sink, {
        ...(this.verified ? { from: this.verified } : {}),
        ...(exported.length > 0 ? { exported } : {}),
      });
      if (outcome.problem) {
        this.problem = outcome.problem;
        const message = `audit: chain broken at ${describeProblem(outcome.problem)}`;
        this.log(message);
        await this.sink({
          kind: 'audit.chain_broken',
          createdAt: this.clock.now().toISOString(),
          message,
          details: { seq: outcome.problem.seq, fault: outcome.problem.fault },
        });
      } else if (outcome.checkpoint) {
        this.verified = outcome.checkpoint;
      }
    } catch (error) {
      this.log(`audit: verification failed to run: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
