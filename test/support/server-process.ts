import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A server in a child process of its own, as the multi-instance tests and the load benchmark run
 * it: spawned with plain node, polled until /healthz answers, and stopped.
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
