import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../server/db/sqlite.js';
import type { RunningServer } from '../../server/start.js';
import { send } from '../support/http-client.js';
import { startTestServer } from '../support/service-harness.js';
import { TEST_DATABASE } from '../support/test-database.js';

/** What an operator sees when the embedded database is misused or pulled away under a running server. */
const ADMIN_TOKEN = 'database-faults-admin-token-0123456789';
const dirs: string[] = [];
const servers: RunningServer[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-faults-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<RunningServer> {
  const server = await startTestServer({ dataDir: dir, adminToken: ADMIN_TOKEN });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(TEST_DATABASE === 'sqlite')('the embedded SQLite database', () => {
  it('a second server on the same data directory refuses to start and says to use PostgreSQL', async () => {
    const dir = dataDir();
    await start(dir);
    await expect(start(dir)).rejects.toThrow(
      new RegExp(`FIRSTKEY_DATA_DIR=${dir}: another FirstKey server already runs.*FIRSTKEY_DATABASE_URL`),
    );
  });

  it('the data directory is free again once the first server stops', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await expect(start(dir)).resolves.toBeDefined();
  });

  it('names the setting and the path when the data directory is a file, or holds something that is not a database', async () => {
    const file = join(dataDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(start(file)).rejects.toThrow(`FIRSTKEY_DATA_DIR=${file}: not a directory`);
    const dir = dataDir();
    writeFileSync(join(dir, SQLITE_FILE), 'this is not a database, it is a text file of some length');
    await expect(start(dir)).rejects.toThrow(`FIRSTKEY_DATA_DIR=${dir}: ${SQLITE_FILE} is not a usable SQLite database`);
  });

  it('a database file deleted under the running server: /readyz fails and writes are refused, not lost', async () => {
    const dir = dataDir();
    const server = await start(dir);
    expect(await send(server.url, 'readiness')).toEqual({ status: 200, body: { ready: true } });
    const user = { username: 'before.delete', displayName: 'Before' };
    expect((await send(server.url, 'createUser', { body: user, adminToken: ADMIN_TOKEN })).status).toBe(201);

    unlinkSync(join(dir, SQLITE_FILE));

    const ready = await send(server.url, 'readiness');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      error: { code: 'unavailable', message: expect.stringMatching(/database: .*was removed/) as unknown },
    });
    const write = await send(server.url, 'createUser', {
      body: { username: 'after.delete', displayName: 'After' },
      adminToken: ADMIN_TOKEN,
    });
    expect(write).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    // The client is told to retry, and learns nothing about the server's files.
    expect(JSON.stringify(write.body)).not.toContain(dir);
    expect((await send(server.url, 'health')).status).toBe(200);
  });
});
