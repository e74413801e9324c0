import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../server/admin/cli.js';
import { verifyAuditChain } from '../../server/audit.js';
import { configFromEnv } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/start.js';

/**
 * Backup and restore as the deployment guide (deploy/README.md) describes them, against the real
 * server. The server suite runs twice (vitest.config.ts): the SQLite pass checks
 * `firstkey-admin backup` and its restore, the PostgreSQL pass checks pg_dump and pg_restore.
 */
const ON_POSTGRES = process.env.FIRSTKEY_TEST_DB === 'postgres';

describe.skipIf(ON_POSTGRES)('firstkey-admin backup', () => {
  // skipped on PostgreSQL: this backs up the SQLite file; PostgreSQL uses pg_dump (README)
  let root: string;
  let dataDir: string;
  let backups: string;
  let running: RunningServer | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'firstkey-backup-'));
    dataDir = join(root, 'data');
    backups = join(root, 'backups');
    // Made by the tests that need it, so that the missing-directory case is real.
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ FIRSTKEY_DATA_DIR: dataDir, ...extra });

  async function start(): Promise<RunningServer> {
    running = await startServer(configFromEnv({ FIRSTKEY_DATA_DIR: dataDir, FIRSTKEY_PORT: '0' }));
    return running;
  }

  async function stop(): Promise<void> {
    await running?.close();
    running = undefined;
  }

  async function admin(argv: string[], environment = env()): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const code = await runAdmin(argv, environment, (line) => lines.push(line));
    return { code, output: lines.join('\n') };
  }

  function addUser(server: RunningServer, username: string) {
    return server.services.accounts.createUser({ username, displayName: username }, 'test');
  }

  function usernamesIn(file: string): string[] {
    const db = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT username FROM users ORDER BY username').all() as { username: string }[]).map((r) => r.username);
    } finally {
      db.close();
    }
  }

  it('copies the database while the server runs and keeps writing, into one private, self-contained file', async () => {
    mkdirSync(backups);
    const server = await start();
    await addUser(server, 'grace.h');
    // Writes from the server's own connection between the backup's steps: a stepwise copy would
    // start over at each one; this one must finish with a consistent snapshot.
    // An object, not a boolean: the loop reads a flag that the test flips while the loop awaits.
    const state = { writing: true };
    const written: string[] = [];
    const writer = (async () => {
      for (let i = 0; state.writing && i < 2000; i += 1) {
        await addUser(server, `during.${i}`);
        written.push(`during.${i}`);
        // Let the backup's next step run between two writes.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const target = join(backups, 'firstkey-1.sqlite');
    const result = await admin(['backup', '--to', target]);
    const writtenMeanwhile = written.length;
    state.writing = false;
    await writer;
    // The server wrote while the copy was made, and the copy did not have to wait for it to stop.
    expect(writtenMeanwhile).toBeGreaterThan(0);
    expect(writtenMeanwhile).toBeLessThan(2000);

    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`Backed up ${join(dataDir, 'firstkey.sqlite')} to ${target}`);
    expect(result.output).toMatch(/To restore: stop the server/);
    const copied = usernamesIn(target);
    expect(copied).toContain('grace.h');
    // A snapshot: a prefix of the concurrent writes, never a row without the ones before it.
    const during = copied.filter((u) => u.startsWith('during.'));
    expect(new Set(during)).toEqual(new Set(written.slice(0, during.length)));

    // The server was not held up and still takes writes after the copy.
    await addUser(server, 'after.backup');
    expect(usernamesIn(target)).not.toContain('after.backup');

    const copy = new SQLite(target, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(backups)).toEqual(['firstkey-1.sqlite']);
  });

  it('restores as documented: stop, put the backup in place of firstkey.sqlite, delete -wal and -shm, start', async () => {
    mkdirSync(backups);
    let server = await start();
    await addUser(server, 'grace.h');
    const target = join(backups, 'before.sqlite');
    expect((await admin(['backup', '--to', target])).code).toBe(0);
    await addUser(server, 'lost.after.backup');

    await stop();
    copyFileSync(target, join(dataDir, 'firstkey.sqlite'));
    rmSync(join(dataDir, 'firstkey.sqlite-wal'), { force: true });
    rmSync(join(dataDir, 'firstkey.sqlite-shm'), { force: true });
    server = await start();

    const users = await server.db.selectFrom('users').select('username').execute();
    expect(users.map((u) => u.username)).toEqual(['grace.h']);
    expect(await verifyAuditChain(server.db)).toBeNull();
    // The restored server takes writes again, and the audit chain continues from the restored rows.
    await addUser(server, 'after.restore');
    expect(await verifyAuditChain(server.db)).toBeNull();
  });

  it('backs up a stopped server too, and leaves no -wal or -shm of its own behind', async () => {
    mkdirSync(backups);
    await addUser(await start(), 'grace.h');
    await stop();
    const before = readdirSync(dataDir).sort();
    const target = join(backups, 'cold.sqlite');
    expect((await admin(['backup', '--to', target])).code).toBe(0);
    expect(usernamesIn(target)).toEqual(['grace.h']);
    expect(readdirSync(dataDir).sort()).toEqual(before);
  });

  it('never overwrites an existing file', async () => {
    mkdirSync(backups);
    await addUser(await start(), 'grace.h');
    const target = join(backups, 'taken.sqlite');
    writeFileSync(target, 'an older backup');
    const result = await admin(['backup', '--to', target]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/already exists; a backup never overwrites a file/);
    expect(readFileSync(target, 'utf8')).toBe('an older backup');
    expect(readdirSync(backups)).toEqual(['taken.sqlite']);
  });

  it('refuses when the data is in PostgreSQL, names pg_dump, and does not repeat the URL with its password', async () => {
    const target = join(root, 'pg.sqlite');
    const result = await admin(
      ['backup', '--to', target],
      env({ FIRSTKEY_DATABASE_URL: 'postgres://firstkey:s3cret-pw@db.internal:5432/firstkey' }),
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/FIRSTKEY_DATABASE_URL is set/);
    expect(result.output).toMatch(/pg_dump -Fc/);
    expect(result.output).toMatch(/pg_restore/);
    expect(result.output).not.toContain('s3cret-pw');
    expect(existsSync(target)).toBe(false);
    // Nothing was opened, so nothing was created where SQLite would live.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses when there is no database in FIRSTKEY_DATA_DIR, without creating one', async () => {
    const target = join(root, 'nothing.sqlite');
    const result = await admin(['backup', '--to', target]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`there is no database at ${join(dataDir, 'firstkey.sqlite')}`);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a target in a directory that does not exist', async () => {
    await addUser(await start(), 'grace.h');
    const result = await admin(['backup', '--to', join(backups, 'x.sqlite')]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`the directory ${backups} does not exist`);
  });

  it('asks for --to, and rejects options it does not know', async () => {
    const missing = await admin(['backup']);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--to is required/);
    const unknown = await admin(['backup', '--to', join(root, 'x.sqlite'), '--force']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toMatch(/--force/);
    expect((await admin([])).output).toContain('backup --to <new file>');
  });
});

const hasPgTools = ['pg_dump', 'pg_restore'].every((tool) => spawnSync(tool, ['--version']).status === 0);

describe.runIf(ON_POSTGRES && hasPgTools)('PostgreSQL: pg_dump -Fc while the server runs, pg_restore into an empty database', () => {
  let admin: pg.Client;
  let root: string;
  const databases: string[] = [];
  let running: RunningServer | undefined;

  /** The test cluster's URL (scripts/with-postgres.sh) pointed at another database. */
  function urlOf(database: string): string {
    // Not WHATWG URL: a socket-only cluster's URL has no host (postgres://user@/db?host=/dir), which it rejects.
    const match = /^(postgres(?:ql)?:\/\/[^/]*\/)[^?]*(.*)$/.exec(process.env.FIRSTKEY_TEST_DATABASE_URL ?? '');
    if (!match) throw new Error('FIRSTKEY_TEST_DATABASE_URL is not a postgres:// URL');
    return `${match[1]!}${database}${match[2]!}`;
  }

  async function createDatabase(): Promise<string> {
    const name = `firstkey_backup_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    databases.push(name);
    return urlOf(name);
  }

  /** Configured as an operator does it: FIRSTKEY_DATABASE_URL in the environment. */
  function settings(databaseUrl: string): NodeJS.ProcessEnv {
    return { FIRSTKEY_DATABASE_URL: databaseUrl, FIRSTKEY_DATA_DIR: join(root, 'unused'), FIRSTKEY_PORT: '0' };
  }

  async function start(databaseUrl: string): Promise<RunningServer> {
    running = await startServer(configFromEnv(settings(databaseUrl)));
    return running;
  }

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'firstkey-pg-backup-'));
    admin = new pg.Client({ connectionString: process.env.FIRSTKEY_TEST_DATABASE_URL });
    await admin.connect();
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
    for (const name of databases.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(root, { recursive: true, force: true });
  });

  it('restores what the server held when the dump began, and the restored server carries on', async () => {
    const live = await createDatabase();
    expect(configFromEnv(settings(live)), 'configFromEnv must pass FIRSTKEY_DATABASE_URL on').toMatchObject({ databaseUrl: live });
    let server = await start(live);
    await server.services.accounts.createUser({ username: 'grace.h', displayName: 'Grace Hopper' }, 'test');
    const dump = join(root, 'firstkey.dump');
    const dumped = spawnSync('pg_dump', ['-Fc', `--file=${dump}`, live], { encoding: 'utf8' });
    expect(dumped.status, dumped.stderr).toBe(0);
    await server.services.accounts.createUser({ username: 'lost.after.dump', displayName: 'Lost' }, 'test');
    await running?.close();
    running = undefined;

    const restored = await createDatabase();
    const restore = spawnSync('pg_restore', ['--no-owner', `--dbname=${restored}`, dump], { encoding: 'utf8' });
    expect(restore.status, restore.stderr).toBe(0);
    server = await start(restored);
    const users = await server.db.selectFrom('users').select('username').execute();
    expect(users.map((u) => u.username)).toEqual(['grace.h']);
    expect(await verifyAuditChain(server.db)).toBeNull();
    await server.services.accounts.createUser({ username: 'after.restore', displayName: 'After' }, 'test');
    expect(await verifyAuditChain(server.db)).toBeNull();
  });
});
