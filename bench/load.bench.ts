/**
 * `npm run bench:load`: the compiled server (node dist/server/main.js) in a child process of its
 * own, measured from outside over HTTP and /proc. Three parts, each against a goal:
 *
 *   cold start   spawn -> first 200 from /healthz, the compiled server against a bare Fastify
 *                server, alternating run by run (goal: at most 1.5 times the bare server)
 *   CPU          utime + stime of the server's threads over sequential first enrolments, read from
 *                /proc/<pid>/task/<tid>/stat, without the KDF thread (goal: at most 5 ms each)
 *   load         LOAD_CONCURRENCY simulated new hires at once, each issued a code through the admin
 *                API and enrolling over HTTP with real DPoP proofs and soft-authenticator passkeys
 *                (goal: every call that hashes no recovery code at p99 <= 50 ms, and no call fails)
 *
 * Results go to bench/RESULTS.md (its load section). LOAD_SERVER runs another build's main.js
 * (say, one made from an older commit, for a before-and-after), LOAD_WRITE=0 prints without writing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BenchClient, enrol, HIRE_STEPS, newHire, type HireStep, type StepResult } from './support/new-hire.js';
import { writeSection } from './support/results-file.js';
import { processCpuMs, threadRuntimeMs, threadRuntimes, TICKS_PER_SECOND, type ThreadCpu } from './support/server-process.js';
import { startProcess, type ServerProcess } from '../test/support/server-process.js';
import { ms, summarise, type Summary } from './support/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SERVER = process.env.LOAD_SERVER ?? join(ROOT, 'dist/server/main.js');
const BARE = join(ROOT, 'bench/bare-fastify.mjs');
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 50);
const HIRES = Number(process.env.LOAD_HIRES ?? 250);
const WARMUP = Number(process.env.LOAD_WARMUP ?? 30);
const CPU_N = Number(process.env.LOAD_CPU_N ?? 200);
const COLD_RUNS = Number(process.env.LOAD_COLD_RUNS ?? 15);
/** The slots start one after another over this long, as people do, rather than in one millisecond. */
const RAMP_MS = Number(process.env.LOAD_RAMP_MS ?? 2000);
const ADMIN_TOKEN = 'load-bench-admin-token-0123456789abcdefghij';
const GOALS = { lightP99Ms: 50, cpuMs: 5, coldRatio: 1.5 };

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(os.tmpdir(), 'firstkey-load-'));
  tempDirs.push(dir);
  return dir;
}

function serverEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  // Every simulated hire calls from 127.0.0.1: one client address, which the per-client limit would stop.
  return { FIRSTKEY_DATA_DIR: dataDir, FIRSTKEY_ADMIN_TOKEN: ADMIN_TOKEN, FIRSTKEY_CLIENT_MAX_REQUESTS: '1000000', ...extra };
}

// ---- cold start

interface ColdVariant {
  label: string;
  args: string[];
  env: () => Record<string, string>;
}

async function coldStarts(): Promise<Map<string, number[]>> {
  const existing = tempDir();
  // Creates and migrates the database the restarts below find, and fills the compile cache.
  const first = await startProcess([SERVER], serverEnv(existing));
  await first.stop();
  const variants: ColdVariant[] = [
    { label: 'compiled server, restart (database exists, compile cache filled)', args: [SERVER], env: () => serverEnv(existing) },
    { label: 'compiled server, new database each start', args: [SERVER], env: () => serverEnv(tempDir()) },
    {
      label: 'compiled server, restart without the compile cache (first start after a build)',
      args: [SERVER],
      env: () => serverEnv(existing, { NODE_DISABLE_COMPILE_CACHE: '1' }),
    },
    { label: 'bare Fastify (bench/bare-fastify.mjs)', args: [BARE], env: () => ({}) },
    {
      label: 'TypeScript sources through tsx (`npm run server` before this change), restart',
      args: ['--import', 'tsx', join(ROOT, 'server/main.ts')],
      env: () => serverEnv(existing),
    },
  ];
  const times = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (let run = 0; run < COLD_RUNS; run++) {
    // Rotate the order each run, so no variant always follows the same one.
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(run + k) % variants.length];
      if (!variant) continue;
      const started = await startProcess(variant.args, variant.env());
      times.get(variant.label)?.push(started.readyMs);
      await started.stop();
    }
  }
  return times;
}

// ---- CPU per enrolment

interface CpuReport {
  n: number;
  wallMs: number;
  /** /proc/<pid>/stat, every thread living or gone, in 10 ms ticks: the check on the sum of the threads. */
  processMs: number;
  kdfThreadMs: number;
  mainThreadMs: number;
  otherThreadsMs: number;
  /** The threads other than the KDF thread, doing nothing (timers, the notification pump). */
  idleMsPerSecond: number;
  /** Main-thread CPU per call, summed over the run. */
  byStep: Map<HireStep, number>;
  issueCodeMs: number;
}

/** The KDF pool's threads: Node names every worker_threads thread this (the server starts no other). */
const isKdfThread = (thread: ThreadCpu) => thread.name === 'WorkerThread';

function threadDelta(before: ThreadCpu[], after: ThreadCpu[], pick: (thread: ThreadCpu) => boolean): number {
  const start = new Map(before.map((t) => [t.tid, t.ms]));
  return after.filter(pick).reduce((sum, t) => sum + t.ms - (start.get(t.tid) ?? 0), 0);
}

async function cpuPerEnrolment(server: ServerProcess, client: BenchClient, usernames: string[]): Promise<CpuReport> {
  const { pid } = server;
  const notKdf = (t: ThreadCpu) => !isKdfThread(t);
  const idleBefore = threadRuntimes(pid);
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleMsPerSecond = (threadDelta(idleBefore, threadRuntimes(pid), notKdf) * 1000) / (performance.now() - idleStarted);

  const issueBefore = threadRuntimeMs(pid, pid);
  const codes: string[] = [];
  for (const username of usernames) codes.push((await client.issueCode(username)).code);
  const issueCodeMs = (threadRuntimeMs(pid, pid) - issueBefore) / usernames.length;

  // Between a request's start and its answer the server's main thread works for that request only
  // (the calls are sequential), so its CPU over that span is the call's. Work left after the answer
  // (the end of a write, GC) lands in the next span; the total counts everything.
  const byStep = new Map<HireStep, number>(HIRE_STEPS.map((step) => [step, 0]));
  let mark = 0;
  client.probe = (moment, name) => {
    const now = threadRuntimeMs(pid, pid);
    if (moment === 'before') mark = now;
    else if (byStep.has(name as HireStep)) byStep.set(name as HireStep, (byStep.get(name as HireStep) ?? 0) + now - mark);
  };
  const threadsBefore = threadRuntimes(pid);
  const processBefore = processCpuMs(pid);
  const started = performance.now();
  try {
    for (const code of codes) {
      if (!(await enrol(client, code, () => undefined))) throw new Error('an enrolment failed in the CPU run');
    }
  } finally {
    client.probe = null;
  }
  const wallMs = performance.now() - started;
  const processMs = processCpuMs(pid) - processBefore;
  const threadsAfter = threadRuntimes(pid);
  return {
    n: codes.length,
    wallMs,
    processMs,
    kdfThreadMs: threadDelta(threadsBefore, threadsAfter, isKdfThread),
    mainThreadMs: threadDelta(threadsBefore, threadsAfter, (t) => t.tid === pid),
    otherThreadsMs: threadDelta(threadsBefore, threadsAfter, (t) => t.tid !== pid && !isKdfThread(t)),
    idleMsPerSecond,
    byStep,
    issueCodeMs,
  };
}

// ---- load

interface LoadReport {
  results: StepResult[];
  wallMs: number;
  hires: number;
  failedHires: number;
  clientCpuMs: number;
  serverCpuMs: number;
  kdfThreadMs: number;
}

async function load(server: ServerProcess, client: BenchClient, usernames: string[], rampMs: number): Promise<LoadReport> {
  const results: StepResult[] = [];
  let next = 0;
  let failedHires = 0;
  const threadsBefore = threadRuntimes(server.pid);
  const serverBefore = processCpuMs(server.pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  // CONCURRENCY hires in flight at all times once the ramp is over: each slot starts the next new
  // hire when its last one ends.
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, usernames.length) }, async (_, slot) => {
      if (rampMs > 0) await new Promise((resolve) => setTimeout(resolve, (rampMs * slot) / CONCURRENCY));
      for (let i = next++; i < usernames.length; i = next++) {
        if (!(await newHire(client, usernames[i] ?? '', (r) => results.push(r)))) failedHires++;
      }
    }),
  );
  const wallMs = performance.now() - started;
  const client_ = process.cpuUsage(clientBefore);
  return {
    results,
    wallMs,
    hires: usernames.length,
    failedHires,
    clientCpuMs: (client_.user + client_.system) / 1000,
    serverCpuMs: processCpuMs(server.pid) - serverBefore,
    kdfThreadMs: threadDelta(threadsBefore, threadRuntimes(server.pid), isKdfThread),
  };
}

// ---- report

function stepTable(loaded: LoadReport): { rows: { step: HireStep; s: Summary; failures: number }[]; markdown: string } {
  const byStep = new Map<HireStep, StepResult[]>(HIRE_STEPS.map((step) => [step, []]));
  for (const r of loaded.results) byStep.get(r.step)?.push(r);
  const rows = HIRE_STEPS.map((step) => {
    const all = byStep.get(step) ?? [];
    const ok = all.filter((r) => !r.error);
    return { step, s: summarise(ok.map((r) => r.ms)), failures: all.length - ok.length };
  });
  const markdown = rows
    .map(
      ({ step, s, failures }) =>
        `| ${step}${step === 'complete' ? ' (hashes 10 recovery codes)' : ''} | ${s.n} | ${failures} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`,
    )
    .join('\n');
  return { rows, markdown };
}

function report(cold: Map<string, number[]>, cpu: CpuReport, loaded: LoadReport, burst: LoadReport): string {
  const cpus = os.cpus();
  const verdict = (met: boolean, detail: string) => `${met ? '**met**' : '**missed**'} (${detail})`;

  const coldRows = [...cold].map(([label, samples]) => ({ label, s: summarise(samples) }));
  const bare = coldRows.find((r) => r.label.startsWith('bare'))?.s.p50 ?? NaN;
  const coldTable = coldRows
    .map(
      ({ label, s }) =>
        `| ${label} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(Math.min(...(cold.get(label) ?? [])))} | ${(s.p50 / bare).toFixed(2)}x |`,
    )
    .join('\n');
  const restart = coldRows[0]?.s.p50 ?? NaN;
  const coldRatio = restart / bare;

  const idleShare = (cpu.idleMsPerSecond * cpu.wallMs) / 1000;
  const serverWithoutKdf = cpu.mainThreadMs + cpu.otherThreadsMs - idleShare;
  const perEnrolment = serverWithoutKdf / cpu.n;
  const threadSum = cpu.mainThreadMs + cpu.otherThreadsMs + cpu.kdfThreadMs;
  const stepCpuRows = [...cpu.byStep]
    .filter(([step]) => step !== 'issueCode')
    .map(([step, total]) => `| &nbsp;&nbsp;&nbsp;&nbsp;${step} | ${ms(total, 0)} | ${ms(total / cpu.n, 2)} |`)
    .join('\n');
  const stepCpuSum = [...cpu.byStep].reduce((sum, [, total]) => sum + total, 0);

  const { rows: loadRows, markdown: loadTable } = stepTable(loaded);
  const { rows: burstRows, markdown: burstTable } = stepTable(burst);
  const light = loaded.results.filter((r) => !r.error && r.step !== 'complete').map((r) => r.ms);
  const lightAll = summarise(light);
  const worstLight = Math.max(...loadRows.filter((r) => r.step !== 'complete').map((r) => r.s.p99));
  const burstWorstLight = Math.max(...burstRows.filter((r) => r.step !== 'complete').map((r) => r.s.p99));
  const failures = [...loaded.results, ...burst.results].filter((r) => r.error);
  const calls = loaded.results.length + burst.results.length;
  const failureNotes = [...new Set(failures.map((f) => `${f.step}: ${f.status} ${(f.error ?? '').slice(0, 160)}`))].slice(0, 10);

  return `## Load, CPU and cold start (compiled server in a child process)

Written by \`npm run bench:load\` (bench/load.bench.ts); numbers from one run.

- Date: ${new Date().toISOString()}
- Node: ${process.version} (${process.platform} ${process.arch})
- Machine: ${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM
- Server: \`node ${relative(ROOT, SERVER)}\` (FIRSTKEY_DATA_DIR a new temp dir, SQLite; FIRSTKEY_ADMIN_TOKEN set), in its own
  process; the load generator (this script, under tsx) runs in another on the same ${cpus.length} cores
- KDF threads in the server: max(1, cores - 1) = ${Math.max(1, os.availableParallelism() - 1)}

### Goals

| goal | measured | |
|---|---|---|
| under ${CONCURRENCY} concurrent new hires, every call that hashes no recovery code at p99 <= ${GOALS.lightP99Ms} ms | worst per-call p99 ${ms(worstLight)} ms (all such calls together: p99 ${ms(lightAll.p99)} ms); when all ${CONCURRENCY} start in the same millisecond: ${ms(burstWorstLight)} ms | ${verdict(worstLight <= GOALS.lightP99Ms, `${ms(worstLight)} ms against ${GOALS.lightP99Ms} ms`)} |
| no call fails (both runs below) | ${failures.length} failed of ${calls} | ${verdict(failures.length === 0, `${failures.length} failures`)} |
| server CPU per first enrolment without the recovery-code KDF <= ${GOALS.cpuMs} ms | ${ms(perEnrolment, 2)} ms | ${verdict(perEnrolment <= GOALS.cpuMs, `${ms(perEnrolment, 2)} ms against ${GOALS.cpuMs} ms`)} |
| cold start at most ${GOALS.coldRatio}x a bare Fastify server (medians) | ${coldRatio.toFixed(2)}x (${ms(restart)} ms against ${ms(bare)} ms) | ${verdict(coldRatio <= GOALS.coldRatio, `${coldRatio.toFixed(2)}x`)} |

### Load: ${CONCURRENCY} concurrent new hires

${loaded.hires} new hires, ${CONCURRENCY} in flight at all times once the ${CONCURRENCY} slots have started, one every
${ms(RAMP_MS / CONCURRENCY, 0)} ms (each slot then starts the next hire as its last one ends), after ${WARMUP} sequential warm-up hires. Each hire: IT issues a code (\`issueCode\`, admin API), then a new
device key opens a session and registers a passkey from the soft authenticator; every device call carries a DPoP
proof, signed before the call's clock starts. Latency is from the request's start to the whole answer parsed, on
the client, so it includes the client's own event loop (shared by ${CONCURRENCY} hires).

| call | n | failed | p50 ms | p95 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${loadTable}

Wall time ${ms(loaded.wallMs / 1000, 1)} s (${ms(loaded.hires / (loaded.wallMs / 1000), 2)} hires/s; ${loaded.failedHires} hires failed).
Server CPU ${ms(loaded.serverCpuMs / 1000, 1)} s, of which the KDF thread ${ms(loaded.kdfThreadMs / 1000, 1)} s
(${ms((100 * loaded.kdfThreadMs) / loaded.wallMs, 0)} % of one core); the load generator ${ms(loaded.clientCpuMs / 1000, 1)} s.

#### The same, all ${CONCURRENCY} starting in the same millisecond

${burst.hires} new hires, one per slot, every slot starting at once: the worst case for the calls queued behind
the first wave, which is not the KDF's doing (it is idle until the first \`complete\`) but the event loop's: every
hire's first calls arrive together and are served one after another.

| call | n | failed | p50 ms | p95 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${burstTable}
${failureNotes.length ? `\nFailures seen:\n${failureNotes.map((f) => `- ${f}`).join('\n')}\n` : ''}
### CPU per first enrolment

${cpu.n} sequential first enrolments (openSession, registrationOptions, verifyRegistration, complete; codes issued
beforehand), each from a new device key, after the warm-up, in ${ms(cpu.wallMs / 1000, 1)} s. CPU is each server
thread's time on the CPU (user and system) from \`/proc/<pid>/task/<tid>/schedstat\`, read before and after the
run, and for the main thread also around each call.

| | ms in total | ms per enrolment |
|---|---:|---:|
| KDF thread (WorkerThread: 10 scrypt hashes per enrolment, ${ms(cpu.kdfThreadMs / cpu.n / 10, 2)} ms each) | ${ms(cpu.kdfThreadMs, 0)} | ${ms(cpu.kdfThreadMs / cpu.n, 2)} |
| main thread (HTTP, DPoP, schemas, WebAuthn, policy, SQLite, audit chain) | ${ms(cpu.mainThreadMs, 0)} | ${ms(cpu.mainThreadMs / cpu.n, 2)} |
| &nbsp;&nbsp;of which during each call: | ${ms(stepCpuSum, 0)} | ${ms(stepCpuSum / cpu.n, 2)} |
${stepCpuRows}
| other threads (V8's compiler and GC helpers, libuv) | ${ms(cpu.otherThreadsMs, 0)} | ${ms(cpu.otherThreadsMs / cpu.n, 2)} |
| less what those threads use idle (${ms(cpu.idleMsPerSecond, 2)} ms/s, measured for 3 s before) | ${ms(-idleShare, 0)} | ${ms(-idleShare / cpu.n, 2)} |
| **server without the KDF**: main + other threads - idle | ${ms(serverWithoutKdf, 0)} | **${ms(perEnrolment, 2)}** |

Check: the threads add up to ${ms(threadSum, 0)} ms; \`/proc/<pid>/stat\` (the whole process, in ${ms(1000 / TICKS_PER_SECOND, 0)} ms
ticks) says ${ms(cpu.processMs, 0)} ms. Issuing a code through the admin API (not in the figures above) costs
${ms(cpu.issueCodeMs, 2)} ms of main-thread CPU. V8's helper threads also serve the KDF thread's isolate, so the
"other threads" row is, if anything, high.

### Cold start

Spawn to the first 200 from \`/healthz\`, polled every 2 ms; ${COLD_RUNS} starts of each, the order rotated
from run to run. The compiled server turns on Node's compile cache (\`module.enableCompileCache()\` in its
launcher, scripts/build-server.mjs); the bare server uses none.

| what starts | median ms | p95 ms | best ms | / bare |
|---|---:|---:|---:|---:|
${coldTable}

### Rerun
\`\`\`
npm run bench:load                                        # 50 concurrent, 250 hires, CPU over 200, 15 cold starts each
LOAD_HIRES=500 LOAD_CPU_N=400 LOAD_COLD_RUNS=30 npm run bench:load
LOAD_SERVER=/path/to/other/dist/server/main.js LOAD_WRITE=0 npm run bench:load   # another build, printed only
\`\`\`
`;
}

async function main(): Promise<void> {
  // Only this run's settings reach the servers: a FIRSTKEY_* left in the shell (a database URL, say)
  // would change what is measured.
  for (const name of Object.keys(process.env)) if (name.startsWith('FIRSTKEY_')) Reflect.deleteProperty(process.env, name);
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build:server (npm run bench:load does)`);
  console.log(`cold start: ${COLD_RUNS} runs of each variant`);
  const cold = await coldStarts();

  const server = await startProcess([SERVER], serverEnv(tempDir()));
  const client = new BenchClient(server.url, ADMIN_TOKEN);
  try {
    const total = WARMUP + CPU_N + HIRES + CONCURRENCY;
    const usernames = Array.from({ length: total }, (_, i) => `hire${i}`);
    for (const username of usernames) {
      const created = await client.createUser(username);
      if (created.status !== 201) throw new Error(`createUser -> ${created.status}`);
    }
    console.log(`warm-up: ${WARMUP} sequential hires`);
    for (const username of usernames.slice(0, WARMUP)) {
      if (!(await newHire(client, username, () => undefined))) throw new Error('a warm-up hire failed');
    }
    console.log(`CPU: ${CPU_N} sequential enrolments`);
    const cpu = await cpuPerEnrolment(server, client, usernames.slice(WARMUP, WARMUP + CPU_N));
    console.log(`load: ${HIRES} hires, ${CONCURRENCY} at a time`);
    const loaded = await load(server, client, usernames.slice(WARMUP + CPU_N, WARMUP + CPU_N + HIRES), RAMP_MS);
    console.log(`burst: ${CONCURRENCY} hires in the same millisecond`);
    const burst = await load(server, client, usernames.slice(WARMUP + CPU_N + HIRES), 0);
    const markdown = report(cold, cpu, loaded, burst);
    if (process.env.LOAD_WRITE !== '0') writeSection('load.bench.ts', markdown);
    console.log(markdown);
  } finally {
    client.close();
    await server.stop();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
