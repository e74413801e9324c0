/**
 * What verify-audit costs: the keyed chain of BENCH_ROWS rows (1 000 000 by default) written to a
 * SQLite file database in a temp dir, then verified in batches as `npm run admin -- verify-audit`
 * does; prints the time, the rate and how far the heap grew (the verifier must stay bounded).
 * Run: npx tsx bench/audit-verify.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GENESIS, rowHash } from '../server/audit/chain.js';
import { currentAuditKey, installAuditKey, loadAuditKey } from '../server/audit/key.js';
import { verifyAudit } from '../server/audit/verifier.js';
import { ServerConfig } from '../server/config.js';
import { migrate, openDatabase } from '../server/db/open.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH = 500;

const dir = mkdtempSync(join(os.tmpdir(), 'firstkey-audit-bench-'));
const config = ServerConfig.parse({ dataDir: dir, rpId: 'bench.firstkey.test', origins: ['https://bench.firstkey.test'] });
const database = await openDatabase(config, 'tool');
try {
  await migrate(database);
  installAuditKey(loadAuditKey(config, () => undefined));
  const key = currentAuditKey();
  const at = new Date().toISOString();
  let prev = GENESIS;
  for (let done = 0; done < ROWS; done += BATCH) {
    const values = [];
    for (let i = done; i < Math.min(ROWS, done + BATCH); i++) {
      const row = { at, event: 'device.seen', actor: 'bench', user_id: `user-${String(i % 97)}`, details: `{"n":${String(i)}}` };
      const hash = rowHash('hmac', key, prev, row);
      values.push({ ...row, prev_hash: prev, hash, chain: 'hmac' });
      prev = hash;
    }
    await database.db.insertInto('audit_events').values(values).execute();
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const verification = await verifyAudit(database.db, key);
  const seconds = (performance.now() - started) / 1000;
  if (verification.problem || verification.rows !== ROWS)
    throw new Error(`the bench's own chain did not verify: ${JSON.stringify(verification)}`);
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  console.log(
    `verify-audit: ${String(ROWS)} rows in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds).toLocaleString('en')} rows/s, heap growth ${heapGrowthMb.toFixed(1)} MB`,
  );
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
