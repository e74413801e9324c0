import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One scrypt derivation, as node:crypto's scryptSync takes it. */
export interface ScryptJob {
  secret: string;
  salt: Uint8Array;
  keyLength: number;
  N: number;
  r: number;
  p: number;
  maxmem: number;
}

/** What crosses to a KDF thread and back (server/recovery/kdf-worker.ts): a batch of derivations each way. */
export interface KdfRequest extends ScryptJob {
  id: number;
}
export type KdfReply = { id: number; key: Uint8Array } | { id: number; error: string };

/**
 * Derivations sent to a thread in one message: a whole set of recovery codes. Each message costs
 * the event loop a structured clone and a wake-up of the thread (about 0.1 ms here, a tenth of a
 * request's CPU), so ten of them per set were worth batching; more would hold single checks queued
 * behind a batch longer.
 */
export const MAX_BATCH = 10;

/** The pool already holds as many derivations as it will queue. */
export class KdfPoolBusyError extends Error {
  override name = 'KdfPoolBusyError';
}

export interface KdfPoolOptions {
  /** Default: one fewer than the cores, at least one, so the event loop's core stays free. */
  threads?: number;
  /** Derivations waiting for a thread before new ones are refused. */
  maxQueue?: number;
  /** The worker module; default kdf-worker beside this module (or beside the bundle that inlined it). */
  workerUrl?: URL;
}

/**
 * About a hundred sets of ten: on one thread (2 cores) the last of them waits about 25 s. A caller
 * past that is better told to come back than kept waiting while its request holds memory.
 */
export const DEFAULT_MAX_QUEUE = 1024;

/**
 * Under tsx and vitest this module is its own .ts file and the worker runs from kdf-worker.ts (Node
 * strips its types); in the compiled server it is inlined into dist/server/*.js and
 * scripts/build-server.mjs emits dist/server/kdf-worker.js beside it.
 */
export const DEFAULT_WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './kdf-worker.ts' : './kdf-worker.js', import.meta.url);

interface Job {
  request: KdfRequest;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * A few threads of their own for scrypt. node:crypto's async scrypt runs on libuv's pool (4 threads
 * for the whole process), the same pool WebCrypto and file I/O wait on, so ten recovery codes being
 * hashed would queue every other request's crypto behind them. Here the derivations queue only
 * behind each other.
 *
 * Threads start on first use (a server that hashes nothing never starts one) and hold the process
 * open only while they have work, so a CLI or a test that never calls close() still exits.
 */
export class KdfPool {
  private readonly threads: number;
  private readonly maxQueue: number;
  private readonly workerUrl: URL;
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job[]>();
  private readonly queue: Job[] = [];
  private starting = 0;
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  constructor(options: KdfPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism() - 1);
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.workerUrl = options.workerUrl ?? DEFAULT_WORKER_URL;
  }

  /** Threads started and not yet exited. */
  get size(): number {
    return this.idle.length + this.running.size + this.starting;
  }

  scrypt(job: ScryptJob): Promise<Buffer> {
    if (this.closing) return Promise.reject(new Error('the KDF pool is closed'));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new KdfPoolBusyError(`${this.queue.length} key derivations are already waiting`));
    }
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ request: { ...job, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  /** Lets queued and running derivations finish, then stops the threads. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.queue.length > 0 || this.running.size > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop();
      if (!worker) {
        while (this.size < this.threads && this.starting < this.queue.length) this.spawn();
        return;
      }
      // Shared out across the threads, so one set of codes can use them all when they are idle.
      const batch = this.queue.splice(0, Math.min(MAX_BATCH, Math.ceil(this.queue.length / this.threads)));
      this.running.set(worker, batch);
      // Referenced only while busy: a derivation in progress keeps the process alive, an idle thread does not.
      worker.ref();
      worker.postMessage(batch.map((job) => job.request));
    }
    if (this.running.size === 0) this.drained?.();
  }

  private release(worker: Worker): void {
    if (this.closing && this.queue.length === 0) {
      void worker.terminate();
    } else {
      this.idle.push(worker);
      worker.unref();
    }
    this.pump();
  }

  private spawn(): void {
    this.starting++;
    // No flags from the parent (tsx's hooks, --input-type, heap sizes): the worker needs none and
    // some would break it; Node strips kdf-worker.ts's types by itself.
    const worker = new Worker(this.workerUrl, { execArgv: [] });
    let online = false;
    let failure: Error | null = null;
    worker.once('online', () => {
      online = true;
      this.starting--;
      this.release(worker);
    });
    worker.on('message', (replies: KdfReply[]) => {
      const batch = this.running.get(worker);
      if (!batch) return;
      this.running.delete(worker);
      const byId = new Map(replies.map((reply) => [reply.id, reply]));
      for (const job of batch) {
        const reply = byId.get(job.request.id);
        if (!reply) job.reject(new Error('the KDF thread gave no answer'));
        else if ('error' in reply) job.reject(new Error(reply.error));
        else job.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
      }
      this.release(worker);
    });
    worker.on('error', (error: Error) => {
      failure = error;
    });
    worker.once('exit', (code) => {
      const reason = failure ?? new Error(`a KDF thread exited with code ${code}`);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      if (!online) {
        this.starting--;
        // A thread that never came up (its file missing, say) will not come up on a retry either.
        const cause = new Error(`the KDF thread could not start from ${this.workerUrl.href}`, { cause: reason });
        for (const job of this.queue.splice(0)) job.reject(cause);
      }
      const batch = this.running.get(worker);
      if (batch) {
        this.running.delete(worker);
        for (const job of batch) job.reject(reason);
      }
      this.pump();
    });
  }
}

let shared: KdfPool | null = null;

/** scrypt on the process's KDF threads, started on first use. */
export function scryptInPool(job: ScryptJob): Promise<Buffer> {
  shared ??= new KdfPool();
  return shared.scrypt(job);
}

/**
 * For the server's close(): lets the derivations already asked for finish, then stops the threads.
 * A later call starts a new pool, so a process that runs one server after another keeps working.
 */
export async function closeKdfPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
