import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { parseExportedCheckpoints } from '../audit/checkpoints.js';
import { exportAudit, parseSince } from '../audit/export.js';
import { loadAuditKey } from '../audit/key.js';
import { verifyAndCheckpoint } from '../audit/monitor.js';
import { describeProblem } from '../audit/verifier.js';
import { guardAppendOnly } from '../audit/trigger-guard.js';
import { appendAudit } from '../audit.js';
import { auditRecordSink } from '../notifications/audit-records.js';
import type { AdminCommands } from './command.js';

/** The audit trail: verify its chain, export it. */
export const auditCommands: AdminCommands = {
  'verify-audit': {
    usage: '  npm run admin -- verify-audit [--checkpoint <exported checkpoints or the notification file>]',
    async run(args, { db, config, actor, out }) {
      const { values } = parseArgs({ args, options: { checkpoint: { type: 'string' } } });
      const exported = values.checkpoint ? parseExportedCheckpoints(await readFile(values.checkpoint, 'utf8')) : [];
      const key = loadAuditKey(config, out);
      const outcome = await verifyAndCheckpoint(db, key, systemClock, auditRecordSink(config, out), { exported });
      if (outcome.problem) {
        out(`Audit chain BROKEN at ${describeProblem(outcome.problem)}`);
        return 2;
      }
      // A missing append-only trigger is not a broken chain yet, but whoever removed it meant to edit rows.
      const restored = await guardAppendOnly(db, config.databaseUrl ? 'postgres' : 'sqlite');
      if (restored.length > 0) {
        await appendAudit(db, systemClock, {
          event: 'audit.trigger_restored',
          actor,
          userId: null,
          details: { triggers: restored.join(',') },
        });
        out(`Audit trail UNGUARDED: the append-only trigger(s) ${restored.join(', ')} on audit_events were missing; restored`);
        return 3;
      }
      const c = outcome.checkpoint;
      out(
        `${String(outcome.count)} rows, chain intact up to checkpoint ${c ? `seq ${String(c.seq)} (${c.at})` : 'none (empty trail)'}${exported.length > 0 ? `; ${String(exported.length)} exported checkpoint(s) matched` : ''}`,
      );
      return 0;
    },
  },
  'export-audit': {
    usage: '  npm run admin -- export-audit --since <ISO date or 30d> [--out file]',
    async run(args, { db, out }) {
      const { values } = parseArgs({ args, options: { since: { type: 'string' }, out: { type: 'string' } } });
      if (!values.since) {
        out('Error: export-audit needs --since <ISO date or 30d>');
        return 1;
      }
      const since = parseSince(values.since, new Date());
      if (!values.out) {
        await exportAudit(db, since, out);
        return 0;
      }
      const file = createWriteStream(values.out, { encoding: 'utf8', mode: 0o600 });
      const lines = await exportAudit(db, since, async (line) => {
        if (!file.write(`${line}\n`)) await once(file, 'drain');
      });
      file.end();
      await once(file, 'finish');
      out(`${String(lines)} events written to ${values.out}`);
      return 0;
    },
  },
};
