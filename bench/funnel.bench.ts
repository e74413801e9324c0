/**
 * The friction funnel's cost: computeFunnel over a month of audit trail (100 000 rows by default,
 * BENCH_ROWS overrides) on a SQLite file database in a temp dir, as `npm run server` uses it. The rows
 * are a plausible mix (a third of them the events the funnel reads, the rest noise it must skip);
 * their hashes are not chained, which the funnel never reads. Prints the median and worst of
 * BENCH_N runs after one warm-up. Run: npx tsx bench/funnel.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { ServerConfig } from '../server/config.js';
import { migrate, openDatabase } from '../server/db/open.js';
import { computeFunnel } from '../server/friction/funnel.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const N = Number(process.env.BENCH_N ?? 10);
const DAY = 86_400_000;

const dir = mkdtempSync(join(os.tmpdir(), 'firstkey-funnel-bench-'));
const config = ServerConfig.parse({ dataDir: dir, rpId: 'bench.firstkey.test', origins: ['https://bench.firstkey.test'] });
const database = await openDatabase(config, 'tool');
try {
  await migrate(database);
  const { db } = database;
  const until = new Date();
  const start = until.getTime() - 30 * DAY;
  const rows: { at: string; event: string; actor: string; user_id: string | null; details: string; prev_hash: string; hash: string }[] = [];
  const push = (at: number, event: string, details: Record<string, unknown>) =>
    rows.push({
      at: new Date(at).toISOString(),
      event,
      actor: 'bench',
      user_id: null,
      details: JSON.stringify(details),
      prev_hash: '0',
      hash: '0',
    });
  // One enrolment story per 10 rows: issue, open, register, complete; the rest is what else a day records.
  for (let i = 0; rows.length < ROWS; i += 1) {
    const at = start + ((i * 10) / ROWS) * 30 * DAY;
    const codeId = randomUUID();
    const sessionId = randomUUID();
    const tier = i % 3 === 0 ? 'contractor' : 'standard';
    const factor = i % 2 === 0 ? 'passkey' : 'security-key';
    push(at, 'code.issued', { codeId, ttlSeconds: 86_400, tier });
    if (i % 10 < 8) push(at + 600_000, 'session.opened', { sessionId, purpose: 'enrol', codeId, tier, deviceId: randomUUID() });
    if (i % 10 < 7)
      push(at + 660_000, 'factor.registered', { sessionId, factor, tier, credentialId: randomUUID(), aaguid: '0', format: 'none' });
    if (i % 10 < 6) push(at + 700_000, 'session.completed', { sessionId, purpose: 'enrol', added: 1 });
    if (i % 25 === 0) push(at + 800_000, 'code.refused', { codeId, attempts: 1 });
    if (i % 50 === 0) push(at + 900_000, 'recovery.completed', { sessionId: randomUUID(), purpose: 'recover', method: 'recovery-code' });
    for (const noise of ['device.seen', 'auth.challenged', 'auth.succeeded', 'recovery.codes_issued', 'device.bound', 'factor.activated'])
      push(at + 1000, noise, { deviceId: randomUUID() });
  }
  rows.length = ROWS;
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('audit_events')
      .values(rows.slice(i, i + 500))
      .execute();
  const period = { since: new Date(until.getTime() - 30 * DAY), until };
  await computeFunnel(db, period);
  const times: number[] = [];
  let stages = '';
  for (let i = 0; i < N; i += 1) {
    const t0 = performance.now();
    const report = await computeFunnel(db, period);
    times.push(performance.now() - t0);
    stages = report.stages.map((s) => `${s.stage} ${s.count}`).join(', ');
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  console.log(
    `funnel over ${ROWS} audit rows (SQLite, ${N} runs): median ${median.toFixed(1)} ms, worst ${(times.at(-1) ?? 0).toFixed(1)} ms`,
  );
  console.log(`(${stages})`);
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
