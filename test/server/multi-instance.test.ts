import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { CreateSessionResponse, RegistrationOptionsResponse, type DeviceSignals } from '../../api/enrolment.js';
import { IssueCodeResponse } from '../../api/admin.js';
import { verifyAuditChain } from '../../server/audit.js';
import { openDatabase, type DatabaseHandle } from '../../server/db/open.js';
import { DpopKey } from '../support/dpop-key.js';
import { operation, send, urlOf, type Reply } from '../support/http-client.js';
import { startProcess, type ServerProcess } from '../support/server-process.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { reserveTestDatabase, TEST_DATABASE, type TestDatabaseSlot } from '../support/test-database.js';

/**
 * Two compiled server processes on one PostgreSQL database, as a load balancer without sticky
 * sessions would use them: every single-use guarantee (codes, DPoP proofs) must hold across the
 * two, and concurrent enrolments through both must neither fail nor lose an audit event.
 * SQLite is the single-instance default (a second server on one data dir is refused, see
 * database-faults.test.ts), so this file runs in the postgres project only.
 */

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const OUT = `dist/multi-instance-test-${process.pid}`;
const ADMIN_TOKEN = 'multi-instance-test-admin-token-0123456789';
const LOAD_SECONDS = Number(process.env.FIRSTKEY_MULTI_INSTANCE_SECONDS ?? 30);
const DEVICE: DeviceSignals = { name: 'multi-instance-laptop', platform: 'linux', osVersion: '6', appVersion: '0.1.0', kind: 'personal' };

const onPostgres = TEST_DATABASE === 'postgres';
if (!onPostgres) console.info('multi-instance.test.ts: skipped on SQLite (single-instance by design); it runs in the postgres project.');

describe.skipIf(!onPostgres)('two server instances on one PostgreSQL database', () => {
  // skipped on SQLite: single-instance by design; runs in the postgres project
  let slot: TestDatabaseSlot;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let db: DatabaseHandle;
  const admin = { adminToken: ADMIN_TOKEN };

  beforeAll(async () => {
    await run(process.execPath, ['scripts/build-server.mjs', OUT], { cwd: ROOT });
    slot = await reserveTestDatabase();
    dataDir = mkdtempSync(join(os.tmpdir(), 'firstkey-multi-'));
    const env = {
      FIRSTKEY_DATABASE_URL: slot.databaseUrl ?? '',
      FIRSTKEY_DATA_DIR: dataDir,
      FIRSTKEY_ADMIN_TOKEN: ADMIN_TOKEN,
      // Every simulated new hire calls from this one loopback address: per-client limits are
      // client-limits-instances.test.ts's subject, not this load's.
      FIRSTKEY_CLIENT_MAX_REQUESTS: '1000000',
      FIRSTKEY_CLIENT_MAX_FAILURES: '100000',
    };
    // Both at once on an empty schema: the migration lock must let exactly one migrate.
    [a, b] = await Promise.all([startProcess([`${OUT}/main.js`], env), startProcess([`${OUT}/main.js`], env)]);
    db = await openDatabase({ dataDir: ':memory:', databaseUrl: slot.databaseUrl }, 'tool');
  }, 120_000);

  afterAll(async () => {
    // Each may be unset when beforeAll failed part-way.
    const started = [a as ServerProcess | undefined, b as ServerProcess | undefined];
    for (const server of started) await server?.stop();
    await (db as DatabaseHandle | undefined)?.close();
    await (slot as TestDatabaseSlot | undefined)?.drop();
    rmSync(join(ROOT, OUT), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function newUserWithCode(username: string, via: ServerProcess): Promise<string> {
    expect((await send(via.url, 'createUser', { ...admin, body: { username, displayName: username } })).status).toBe(201);
    const issued = await send(via.url, 'issueCode', { ...admin, body: { username } });
    expect(issued.status).toBe(201);
    return IssueCodeResponse.parse(issued.body).code;
  }

  it('started both on an empty database (one migrated, neither failed)', async () => {
    for (const server of [a, b]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status, server.output()).toBe(200);
    }
  });

  it('gives one code raced from 20 device keys through both instances exactly one session; every loser gets 410 code_used', async () => {
    const code = await newUserWithCode('race.new', a);
    const keys = await Promise.all(Array.from({ length: 20 }, () => DpopKey.create()));
    const replies = await Promise.all(
      keys.map((key, i) => send(i % 2 === 0 ? a.url : b.url, 'openSession', { key, body: { code, device: DEVICE } })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    const losers = replies.filter((r) => r.status !== 201);
    expect(losers.map((r) => [r.status, (r.body as { error?: { code?: string } }).error?.code])).toEqual(
      losers.map(() => [410, 'code_used']),
    );
  });

  it('refuses on one instance a DPoP proof the other already accepted', async () => {
    const code = await newUserWithCode('replay.new', a);
    const key = await DpopKey.create();
    const opened = await send(a.url, 'openSession', { key, body: { code, device: DEVICE } });
    const { token } = CreateSessionResponse.parse(opened.body);
    // A load balancer passes the public Host on, so both instances see the same request URL and
    // so the same `htu`: here instance A's address stands for that public name.
    const publicUrl = urlOf(a.url, 'getSession');
    const viaBalancer = (target: ServerProcess, headers: Record<string, string>) =>
      rawRequest(target, operation('getSession').method, new URL(publicUrl), headers);

    const proof = await key.headers(operation('getSession').method, publicUrl, token);
    expect((await viaBalancer(a, proof)).status).toBe(200);
    const replayed = await viaBalancer(b, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: { code: 'dpop_invalid', message: 'the DPoP proof was already used' } });
    // A fresh proof through the same path is accepted: the refusal was the replay, not the route.
    expect((await viaBalancer(b, await key.headers(operation('getSession').method, publicUrl, token))).status).toBe(200);
  });

  it(
    `runs ${LOAD_SECONDS} s of concurrent enrolments through both with no 5xx, one audit row per event, and an intact chain`,
    async () => {
      const counts = { issued: 0, sessions: 0, registered: 0, completed: 0 };
      const failures: string[] = [];
      let hire = 0;
      const deadline = Date.now() + LOAD_SECONDS * 1000;
      // Each call goes to either instance, as a balancer without sticky sessions would send it.
      const pick = () => (Math.random() < 0.5 ? a : b);
      const expectStatus = (step: string, reply: Reply, status: number) => {
        if (reply.status !== status) failures.push(`${step}: ${reply.status} ${JSON.stringify(reply.body)}`);
        return reply.status === status;
      };
      const worker = async () => {
        while (Date.now() < deadline) {
          const username = `load.${++hire}`;
          if (
            !expectStatus('createUser', await send(pick().url, 'createUser', { ...admin, body: { username, displayName: username } }), 201)
          )
            continue;
          const issued = await send(pick().url, 'issueCode', { ...admin, body: { username } });
          if (!expectStatus('issueCode', issued, 201)) continue;
          counts.issued++;
          const key = await DpopKey.create();
          const opened = await send(pick().url, 'openSession', {
            key,
            body: { code: IssueCodeResponse.parse(issued.body).code, device: DEVICE },
          });
          if (!expectStatus('openSession', opened, 201)) continue;
          counts.sessions++;
          const { token } = CreateSessionResponse.parse(opened.body);
          const optionsReply = await send(pick().url, 'registrationOptions', { key, token, body: { factor: 'passkey' } });
          if (!expectStatus('registrationOptions', optionsReply, 200)) continue;
          const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
          const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: DEMO_ENROLMENT_ORIGIN });
          if (
            !expectStatus(
              'verifyRegistration',
              await send(pick().url, 'verifyRegistration', { key, token, body: { factor: 'passkey', response } }),
              201,
            )
          )
            continue;
          counts.registered++;
          if (!expectStatus('complete', await send(pick().url, 'complete', { key, token, body: {} }), 200)) continue;
          counts.completed++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));

      expect(failures).toEqual([]);
      expect(counts.completed).toBeGreaterThan(10);
      const audited = async (event: string) =>
        Number(
          (
            await db.db
              .selectFrom('audit_events')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('event', '=', event as never)
              .executeTakeFirstOrThrow()
          ).n,
        );
      // The race and replay tests above issued 2 codes and opened 2 sessions of their own.
      expect(await audited('code.issued')).toBe(counts.issued + 2);
      expect(await audited('session.opened')).toBe(counts.sessions + 2);
      expect(await audited('factor.registered')).toBe(counts.registered);
      expect(await audited('session.completed')).toBe(counts.completed);
      expect(await verifyAuditChain(db.db, (await import('../../server/audit/key.js')).loadAuditKey({ dataDir }))).toBeNull();
    },
    (LOAD_SECONDS + 60) * 1000,
  );
});

/** One request to `target` that carries another URL's Host, as a reverse proxy forwards it. */
function rawRequest(target: ServerProcess, method: string, publicUrl: URL, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${target.url}${publicUrl.pathname}${publicUrl.search}`,
      { method, headers: { ...headers, host: publicUrl.host }, agent: false },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
