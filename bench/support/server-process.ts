import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A server in a child process of its own, as the load benchmark drives it: spawned, polled until
 * /healthz answers, read from /proc while it works, and stopped. Linux only (/proc).
 */

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode === 200);
      });
    });
    req.on('error', () => {
      resolve(false);
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** From spawn() to the first 200 from /healthz. */
  readyMs: number;
  /** What the process wrote, for the error message when it dies. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Between two polls of /healthz. Polling back to back would take a whole core from the process
 * being timed on a two-core machine; a refused connection returns at once, so the ready time is
 * still accurate to about this much.
 */
export const POLL_MS = 2;

/** Starts `node args...` with `env` on a free port and polls /healthz until it answers 200. */
export async function startProcess(args: string[], env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const listenOn = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenOn}`;
  let output = '';
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, FIRSTKEY_HOST: '127.0.0.1', FIRSTKEY_PORT: String(listenOn), PORT: String(listenOn) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${args.join(' ')} exited before answering /healthz:\n${output}`);
    if (await healthy(url)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (performance.now() - spawnedAt > 30_000) throw new Error(`${args.join(' ')} did not answer /healthz within 30 s:\n${output}`);
  }
  const readyMs = performance.now() - spawnedAt;
  const pid = child.pid;
  if (pid === undefined) throw new Error('no pid');
  return {
    child,
    pid,
    url,
    readyMs,
    output: () => output,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime in ms from a /proc stat line; the name in parentheses may itself hold spaces and parentheses. */
function cpuMsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from the state field (3) here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** The whole process: every thread, living or exited (proc(5), /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  return cpuMsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

export interface ThreadCpu {
  tid: number;
  name: string;
  ms: number;
}

/** Each living thread of the process, with its name (comm) and CPU so far. */
export function threadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.push({
        tid: Number(tid),
        name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
        ms: cpuMsOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * CPU time of one thread in ms, to the nanosecond: the first field of /proc/<pid>/task/<tid>/schedstat
 * (time on the CPU, user and system together), unlike stat's 10 ms ticks.
 */
export function threadRuntimeMs(pid: number, tid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** Each living thread's CPU time from schedstat, by thread id, with its name. */
export function threadRuntimes(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      threads.push({
        tid: Number(tid),
        name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
        ms: threadRuntimeMs(pid, Number(tid)),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

export { TICKS_PER_SECOND };
