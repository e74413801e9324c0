import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/start.js';
import { send } from '../support/http-client.js';
import { testConfig } from '../support/service-harness.js';
import { reserveTestDatabase, TEST_DATABASE, type TestDatabaseSlot } from '../support/test-database.js';

/**
 * An attacker with the database but not the audit key: they drop the append-only triggers and
 * edit, recompute, cut or rewrite the trail with raw SQL. The real CLI (a child process) and the
 * real server's /readyz must each name the first bad row.
 */
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const GENESIS = '0'.repeat(64);

let dir: string;
let slot: TestDatabaseSlot;
let server: RunningServer | undefined;
let env: NodeJS.ProcessEnv;
let notificationFile: string;

function config() {
  return testConfig({
    dataDir: join(dir, 'data'),
    databaseUrl: slot.databaseUrl,
    auditKeyFile: join(dir, 'audit.key'),
    notificationFile,
  });
}

async function start(): Promise<RunningServer> {
  server = await startServer(config());
  return server;
}

function live(): RunningServer {
  if (!server) throw new Error('no server');
  return server;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firstkey-audit-'));
  writeFileSync(join(dir, 'audit.key'), randomBytes(32).toString('base64'), { mode: 0o600 });
  notificationFile = join(dir, 'notifications.jsonl');
  slot = await reserveTestDatabase();
  env = {
    ...process.env,
    FIRSTKEY_DATA_DIR: join(dir, 'data'),
    FIRSTKEY_AUDIT_KEY_FILE: join(dir, 'audit.key'),
    FIRSTKEY_NOTIFICATION_FILE: notificationFile,
    ...(slot.databaseUrl ? { FIRSTKEY_DATABASE_URL: slot.databaseUrl } : {}),
  };
  await start();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await slot.drop();
  rmSync(dir, { recursive: true, force: true });
});

function admin(...args: string[]): { code: number | null; output: string } {
  const run = spawnSync(TSX, ['server/admin/main.ts', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

async function addUsers(n: number, prefix = 'user'): Promise<void> {
  for (let i = 0; i < n; i++) {
    await live().services.accounts.createUser(
      { username: `${prefix}.${String(i)}.${randomBytes(3).toString('hex')}`, displayName: 'Someone' },
      'test',
    );
  }
}

interface Row {
  seq: number;
  at: string;
  event: string;
  actor: string;
  user_id: string | null;
  details: string;
}

async function rows(): Promise<Row[]> {
  return (await sql<Row>`SELECT seq, at, event, actor, user_id, details FROM audit_events ORDER BY seq`.execute(live().db)).rows;
}

async function tail(): Promise<number> {
  const all = await rows();
  return all[all.length - 1]?.seq ?? 0;
}

/** What anyone with the database can do: remove the guard. */
async function dropTriggers(): Promise<void> {
  const { db } = live();
  if (TEST_DATABASE === 'sqlite') {
    await sql`DROP TRIGGER IF EXISTS audit_no_update`.execute(db);
    await sql`DROP TRIGGER IF EXISTS audit_no_delete`.execute(db);
  } else {
    await sql`DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events`.execute(db);
  }
}

/** The attacker's own chain from `fromSeq` on: plain SHA-256 marked as a pre-migration row, or HMAC under a key of their own. */
async function recompute(fromSeq: number, how: 'sha256' | Buffer): Promise<void> {
  const all = await rows();
  let prev = GENESIS;
  for (const row of all) {
    if (row.seq >= fromSeq) {
      const text = [prev, row.at, row.event, row.actor, row.user_id ?? '', row.details].join('\n');
      const hash =
        how === 'sha256'
          ? createHash('sha256').update(text).digest('hex')
          : createHmac('sha256', how).update(`firstkey-audit-v2\n${text}`).digest('hex');
      const chain = how === 'sha256' ? 'sha256' : 'hmac';
      await sql`UPDATE audit_events SET prev_hash = ${prev}, hash = ${hash}, chain = ${chain} WHERE seq = ${row.seq}`.execute(live().db);
      prev = hash;
    } else {
      prev =
        (await sql<{ hash: string }>`SELECT hash FROM audit_events WHERE seq = ${row.seq}`.execute(live().db)).rows[0]?.hash ?? GENESIS;
    }
  }
}

async function readyz(): Promise<{ status: number; message: string }> {
  await live().audit.verifyNow();
  const reply = await send(live().url, 'readiness');
  const body = reply.body as { error?: { message?: string } };
  return { status: reply.status, message: body.error?.message ?? '' };
}

/** This test's own schema only: other test files' schemas, on the same PostgreSQL at the same time, have the table too. */
async function triggersPresent(): Promise<number> {
  const query =
    TEST_DATABASE === 'sqlite'
      ? sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'`
      : sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
            WHERE c.relname = 'audit_events' AND s.nspname = current_schema() AND NOT t.tgisinternal`;
  return Number((await query.execute(live().db)).rows[0]?.n);
}

describe(`the audit trail an attacker with the database cannot rewrite unnoticed (${TEST_DATABASE})`, () => {
  it('an intact chain passes verify-audit and /readyz, and checkpoints reach the notification file and the export', async () => {
    await addUsers(5);
    expect(await readyz()).toEqual({ status: 200, message: '' });
    const count = (await rows()).length;
    const verified = admin('verify-audit');
    expect(verified.output).toMatch(new RegExp(`^${String(count)} rows, chain intact up to checkpoint seq ${String(await tail())} `, 'm'));
    expect(verified.code).toBe(0);
    const exported = readFileSync(notificationFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; checkpoint?: { seq: number; signature: string } });
    expect(
      exported.some((r) => r.kind === 'audit.checkpoint' && r.checkpoint?.seq === count && /^[0-9a-f]{64}$/.test(r.checkpoint.signature)),
    ).toBe(true);
    expect(admin('verify-audit', '--checkpoint', notificationFile).code).toBe(0);

    const out = join(dir, 'export.jsonl');
    const exportRun = admin('export-audit', '--since', '30d', '--out', out);
    expect(exportRun.code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = lines.filter((l) => l.type === 'event');
    expect(events).toHaveLength(count);
    expect(Object.keys(events[0] ?? {})).toEqual(
      expect.arrayContaining(['seq', 'at', 'event', 'actor', 'userId', 'details', 'hash', 'prevHash']),
    );
    expect(lines.filter((l) => l.type === 'checkpoint').length).toBeGreaterThan(0);
    // The export is a checkpoint file the verifier accepts too.
    expect(admin('verify-audit', '--checkpoint', out).code).toBe(0);
    expect(admin('export-audit', '--since', '2999-01-01').output).toBe('');
  });

  it('an edited row: named by verify-audit and by /readyz', async () => {
    await addUsers(3);
    await live().audit.verifyNow();
    await addUsers(3, 'later');
    const victim = (await tail()) - 1;
    await dropTriggers();
    await sql`UPDATE audit_events SET actor = 'nobody' WHERE seq = ${victim}`.execute(live().db);

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.message).toContain(`audit: chain broken at seq ${String(victim)} (user.created`);
    expect(ready.message).toContain('edited');
    const verified = admin('verify-audit');
    expect(verified.code).toBe(2);
    expect(verified.output).toMatch(
      new RegExp(
        `BROKEN at seq ${String(victim)} \\(user.created at .*\\): edited: its hash does not match its contents under the audit key`,
      ),
    );
  });

  it('an edited row older than every checkpoint: the full verification names it', async () => {
    await addUsers(4);
    await live().audit.verifyNow();
    await dropTriggers();
    await sql`UPDATE audit_events SET details = '{}' WHERE seq = 2`.execute(live().db);
    const verified = admin('verify-audit');
    expect(verified.code).toBe(2);
    expect(verified.output).toContain('BROKEN at seq 2 ');
  });

  for (const how of ['sha256', 'a wrong key'] as const) {
    it(`a chain recomputed after an edit with ${how}: named by verify-audit and by /readyz`, async () => {
      await addUsers(3);
      await live().audit.verifyNow();
      await addUsers(3, 'later');
      const victim = (await tail()) - 2;
      await dropTriggers();
      await sql`UPDATE audit_events SET details = '{"forged":true}' WHERE seq = ${victim}`.execute(live().db);
      await recompute(victim, how === 'sha256' ? 'sha256' : randomBytes(32));
      const fault = how === 'sha256' ? 'unkeyed' : 'edited';

      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(ready.message).toContain(`seq ${String(victim)} (user.created`);
      expect(ready.message).toContain(fault);
      const verified = admin('verify-audit');
      expect(verified.code).toBe(2);
      expect(verified.output).toMatch(new RegExp(`BROKEN at seq ${String(victim)} \\(user.created at [^)]*\\): ${fault}:`));
    });
  }

  it('a truncated tail: rows after a checkpoint deleted', async () => {
    await addUsers(5);
    await live().audit.verifyNow();
    const end = await tail();
    await dropTriggers();
    await sql`DELETE FROM audit_events WHERE seq > ${end - 2}`.execute(live().db);

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.message).toContain('missing after checkpoint');
    const verified = admin('verify-audit');
    expect(verified.code).toBe(2);
    expect(verified.output).toContain(`BROKEN at seq ${String(end - 1)}: missing after checkpoint:`);
    expect(verified.output).toContain(`covers rows up to seq ${String(end)}`);
  });

  it('a full rewrite with the database checkpoints removed: the exported checkpoint and the running server catch it', async () => {
    await addUsers(4);
    await live().audit.verifyNow();
    const end = await tail();
    await dropTriggers();
    await sql`DELETE FROM audit_checkpoints`.execute(live().db);
    await sql`UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2`.execute(live().db);
    await recompute(1, 'sha256');

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.message).toContain(`seq ${String(end)} (user.created`);
    const verified = admin('verify-audit', '--checkpoint', notificationFile);
    expect(verified.code).toBe(2);
    expect(verified.output).toMatch(
      new RegExp(`BROKEN at seq ${String(end)} \\(user.created at [^)]*\\): edited: exported checkpoint 1 signed another hash`),
    );
  });

  it('the same rewrite found by an instance started afterwards: checked against the exported checkpoints, never signed over', async () => {
    await addUsers(4);
    await live().audit.verifyNow();
    const end = await tail();
    await dropTriggers();
    await sql`DELETE FROM audit_checkpoints`.execute(live().db);
    await sql`UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2`.execute(live().db);
    await recompute(1, 'sha256');
    // No instance was running to remember the chain: the next one starts from nothing in the database.
    await live().close();
    await start();
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.message).toContain(`seq ${String(end)} (user.created`);
    expect(await live().db.selectFrom('audit_checkpoints').selectAll().execute()).toEqual([]);
  });

  it('a forged checkpoint (signed without the key) is refused', async () => {
    await addUsers(2);
    await live().audit.verifyNow();
    await sql`UPDATE audit_checkpoints SET count = count + 1`.execute(live().db);
    const verified = admin('verify-audit');
    expect(verified.code).toBe(2);
    expect(verified.output).toContain('checkpoint forged');
  });

  it('a dropped append-only trigger: restored at start with an event and a notification, and reported by verify-audit', async () => {
    await addUsers(2);
    const before = await triggersPresent();
    await dropTriggers();
    expect(await triggersPresent()).toBe(0);
    await live().close();
    await start();
    expect(await triggersPresent()).toBe(before);
    expect((await rows()).map((r) => r.event)).toContain('audit.trigger_restored');
    expect(readFileSync(notificationFile, 'utf8')).toContain('"kind":"audit.trigger_restored"');
    await expect(sql`DELETE FROM audit_events`.execute(live().db)).rejects.toThrow(/append-only/);
    expect(await readyz()).toEqual({ status: 200, message: '' });

    await dropTriggers();
    const verified = admin('verify-audit');
    expect(verified.code).toBe(3);
    expect(verified.output).toMatch(/UNGUARDED: the append-only trigger\(s\) .*audit.* were missing; restored/);
    expect(await triggersPresent()).toBe(before);
    expect(admin('verify-audit').code).toBe(0);
  });

  it('without a key file, a demo key is made once in the data directory, private to its owner', () => {
    // The server above runs with a key file; the CLI without one makes the demo key.
    const rest = { ...env };
    delete rest.FIRSTKEY_AUDIT_KEY_FILE;
    const run = spawnSync(TSX, ['server/admin/main.ts', 'export-audit', '--since', '1d'], { env: rest, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(existsSync(join(dir, 'data', 'audit.key'))).toBe(true);
    expect(statSync(join(dir, 'data', 'audit.key')).mode & 0o777).toBe(0o600);
    expect(run.stderr).toContain('a demo only');
  });
});
