import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { KdfReply, KdfRequest } from './kdf-pool.js';

/**
 * One KDF thread of server/recovery/kdf-pool.ts. It imports nothing but Node itself and types
 * (erased), so Node runs this file as it is under tsx and vitest, and esbuild emits it as a
 * second entry point of the compiled server.
 *
 * scryptSync, not scrypt: the callback form would hand the work straight back to libuv's shared
 * pool, which is what this thread exists to keep clear. Blocking here blocks nobody else.
 */
const port = parentPort;
if (!port) throw new Error('kdf-worker runs as a worker thread of the KDF pool');

function derive(request: KdfRequest): KdfReply {
  try {
    const { secret, salt, keyLength, N, r, p, maxmem } = request;
    // Copied into an array of its own: the Buffer may be a view of a larger slab, and cloning a view
    // would send the slab's whole ArrayBuffer.
    return { id: request.id, key: new Uint8Array(scryptSync(secret, salt, keyLength, { N, r, p, maxmem })) };
  } catch (error) {
    return { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
}

port.on('message', (batch: KdfRequest[]) => {
  port.postMessage(batch.map(derive));
});
