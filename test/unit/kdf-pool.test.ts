import { execFileSync } from 'node:child_process';
import { pbkdf2, randomBytes, scryptSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret, verifyNothing, verifySecret } from '../../server/recovery/codes.js';
import { closeKdfPool, KdfPool, KdfPoolBusyError, scryptInPool, type ScryptJob } from '../../server/recovery/kdf-pool.js';

/** The recovery-code parameters (server/recovery/codes.ts). */
const COST = { keyLength: 32, N: 8192, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const job = (secret: string): ScryptJob => ({ secret, salt: randomBytes(16), ...COST });

afterAll(() => closeKdfPool());

describe('the KDF pool', () => {
  it('derives what scrypt derives: the RFC 7914 section 12 test vector', async () => {
    const pool = new KdfPool({ threads: 1 });
    const key = await pool.scrypt({
      secret: 'pleaseletmein',
      salt: Buffer.from('SodiumChloride'),
      keyLength: 64,
      N: 16384,
      r: 8,
      p: 1,
      maxmem: 64 * 1024 * 1024,
    });
    expect(key.toString('hex')).toBe(
      '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
    );
    await pool.close();
  });

  it('verifies a hash stored before the pool existed, in the same format', async () => {
    // What codes.ts wrote with node:crypto's scrypt on libuv's pool: same parameters, same encoding.
    const salt = randomBytes(16);
    const key = scryptSync('7Q2M9XK4T1BRD', salt, 32, { N: 8192, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const stored = `scrypt$8192$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifySecret('7Q2M9XK4T1BRD', stored)).toBe(true);
    expect(await verifySecret('7Q2M9XK4T1BRE', stored)).toBe(false);

    const fresh = await hashSecret('7Q2M9XK4T1BRD');
    expect(fresh).toMatch(/^scrypt\$8192\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const [, , , , freshSalt, freshKey] = fresh.split('$');
    expect(scryptSync('7Q2M9XK4T1BRD', Buffer.from(freshSalt!, 'base64url'), 32, { N: 8192, r: 8, p: 1 }).toString('base64url')).toBe(
      freshKey,
    );
    expect(await verifyNothing('7Q2M9XK4T1BRD')).toBe(false);
  });

  it("keeps libuv's pool free: other crypto finishes while a backlog of derivations is still waiting", async () => {
    const pool = new KdfPool({ threads: 1 });
    let done = 0;
    const backlog = Array.from({ length: 16 }, () => pool.scrypt(job('secret')).then(() => done++));
    // pbkdf2 runs on libuv's pool, as WebCrypto and node:crypto's async scrypt do.
    await new Promise<void>((resolve, reject) => {
      pbkdf2('x', 'salt', 1, 32, 'sha256', (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
    expect(done).toBeLessThan(8);
    await Promise.all(backlog);
    expect(done).toBe(16);
    await pool.close();
  });

  it('runs no more threads than it was given, and starts none before the first derivation', async () => {
    const pool = new KdfPool({ threads: 2 });
    expect(pool.size).toBe(0);
    const pending = Array.from({ length: 6 }, () => pool.scrypt(job('secret')));
    expect(pool.size).toBe(2);
    await Promise.all(pending);
    expect(pool.size).toBe(2);
    await pool.close();
    expect(pool.size).toBe(0);
  });

  it('refuses a derivation once its queue is full, and serves the queued ones', async () => {
    const pool = new KdfPool({ threads: 1, maxQueue: 3 });
    const queued = [pool.scrypt(job('a')), pool.scrypt(job('b')), pool.scrypt(job('c'))];
    await expect(pool.scrypt(job('d'))).rejects.toBeInstanceOf(KdfPoolBusyError);
    expect(await Promise.all(queued)).toHaveLength(3);
    await expect(pool.scrypt(job('e'))).resolves.toHaveLength(32);
    await pool.close();
  });

  it('passes on what scrypt refuses, and keeps working after it', async () => {
    const pool = new KdfPool({ threads: 1 });
    await expect(pool.scrypt({ ...job('x'), N: 1000 })).rejects.toThrow(/scrypt params/);
    await expect(pool.scrypt({ ...job('x'), N: 2 ** 20 })).rejects.toThrow(/memory/i);
    await expect(pool.scrypt(job('x'))).resolves.toHaveLength(32);
    await pool.close();
  });

  it('close() lets what was asked for finish, then refuses more', async () => {
    const pool = new KdfPool({ threads: 1 });
    const pending = [pool.scrypt(job('a')), pool.scrypt(job('b')), pool.scrypt(job('c'))];
    const closing = pool.close();
    await expect(pool.scrypt(job('d'))).rejects.toThrow(/closed/);
    expect(await Promise.all(pending)).toHaveLength(3);
    await closing;
    expect(pool.size).toBe(0);
    await pool.close();
  });

  it('closeKdfPool() drains the shared pool, and the next derivation starts a new one', async () => {
    const first = scryptInPool(job('a'));
    await closeKdfPool();
    await expect(first).resolves.toHaveLength(32);
    await expect(scryptInPool(job('b'))).resolves.toHaveLength(32);
    await closeKdfPool();
  });

  it('says where it looked when the worker file is missing, and fails every waiting derivation', async () => {
    const pool = new KdfPool({ threads: 1, workerUrl: new URL('./no-such-kdf-worker.js', import.meta.url) });
    const results = await Promise.allSettled([pool.scrypt(job('a')), pool.scrypt(job('b'))]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringContaining('no-such-kdf-worker.js') as unknown },
      });
    }
    await pool.close();
  });

  it('does not keep a process alive once its derivations are done, though nobody closes it', () => {
    // A process of its own (Node strips the types), since vitest's own worker would stay alive anyway.
    const pool = fileURLToPath(new URL('../../server/recovery/kdf-pool.ts', import.meta.url));
    const script = `
      const { scryptInPool } = await import(${JSON.stringify(pool)});
      const key = await scryptInPool({ secret: 's', salt: new Uint8Array(16), keyLength: 32, N: 8192, r: 8, p: 1, maxmem: 2 ** 26 });
      console.log(key.length);`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(output.trim()).toBe('32');
  });
});
