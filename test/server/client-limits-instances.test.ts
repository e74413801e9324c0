import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSignals } from '../../api/enrolment.js';
import { DpopKey } from '../support/dpop-key.js';
import { sendKeepingHeaders } from '../support/http-client.js';
import { startProcess, type ServerProcess } from '../support/server-process.js';
import { reserveTestDatabase, TEST_DATABASE, type TestDatabaseSlot } from '../support/test-database.js';

/**
 * Issue 16: per-client limits are counted in the database, so a client gains nothing by spreading
 * its guesses over the instances behind a load balancer. Two compiled servers on one PostgreSQL
 * database; SQLite is single-instance by design, so this runs in the postgres project only.
 */

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const OUT = `dist/client-limits-test-${process.pid}`;
const DEVICE: DeviceSignals = { name: 'limits-laptop', platform: 'linux', osVersion: '6', appVersion: '0.1.0', kind: 'personal' };
const MAX_FAILURES = 6;

const onPostgres = TEST_DATABASE === 'postgres';
if (!onPostgres)
  console.info('client-limits-instances.test.ts: skipped on SQLite (single-instance by design); it runs in the postgres project.');

describe.skipIf(!onPostgres)('Per-client limits shared by two instances on one PostgreSQL database', () => {
  // skipped on SQLite: single-instance by design; runs in the postgres project
  let slot: TestDatabaseSlot;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    await run(process.execPath, ['scripts/build-server.mjs', OUT], { cwd: ROOT });
    slot = await reserveTestDatabase();
    dataDir = mkdtempSync(join(os.tmpdir(), 'firstkey-limits-'));
    const env = {
      FIRSTKEY_DATABASE_URL: slot.databaseUrl ?? '',
      FIRSTKEY_DATA_DIR: dataDir,
      FIRSTKEY_CLIENT_MAX_FAILURES: String(MAX_FAILURES),
      FIRSTKEY_TRUSTED_PROXIES: '127.0.0.1',
    };
    a = await startProcess([`${OUT}/main.js`], env);
    b = await startProcess([`${OUT}/main.js`], env);
  }, 120_000);

  afterAll(async () => {
    for (const server of [a as ServerProcess | undefined, b as ServerProcess | undefined]) await server?.stop();
    await (slot as TestDatabaseSlot | undefined)?.drop();
    rmSync(join(ROOT, OUT), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('guesses spread over both instances count against one limit; another client is unaffected', async () => {
    const key = await DpopKey.create();
    let tries = 0;
    const guess = (server: ServerProcess, client: string) =>
      sendKeepingHeaders(server.url, 'openSession', {
        key,
        headers: { 'x-forwarded-for': client },
        // A different unknown handle each try: a handle has waits of its own; only the client's limit is looked at here.
        body: { code: `AAA${String(++tries % 10)}-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`, device: DEVICE },
      });
    const statuses: number[] = [];
    // Alternating: each instance alone sees half the limit.
    for (let i = 0; i < MAX_FAILURES + 2; i++) statuses.push((await guess(i % 2 === 0 ? a : b, '198.51.100.20')).status);
    expect(statuses).toEqual([...Array<number>(MAX_FAILURES).fill(400), 429, 429]);
    const refused = await guess(a, '198.51.100.20');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await guess(b, '198.51.100.21')).status).toBe(400);
  });
});
