import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { configFromEnv } from '../config.js';

/** The server's database file inside FIRSTKEY_DATA_DIR (server/db/open.ts opens the same name). */
const DATABASE_FILE = 'firstkey.sqlite';

// sqlite3_backup_step copies at most this many pages per step: in effect, all of them at once.
const ALL_PAGES = 0x7fffffff;

export const BACKUP_USAGE = `  npm run admin -- backup --to <new file>   (SQLite only; the server may keep running. PostgreSQL: pg_dump)`;

const RESTORE_HINT =
  'To restore: stop the server, copy the backup over firstkey.sqlite in FIRSTKEY_DATA_DIR, delete firstkey.sqlite-wal and firstkey.sqlite-shm, start the server.';

/** The backup was not made, for a reason the operator can act on; nothing was written. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

export interface BackupResult {
  source: string;
  target: string;
  bytes: number;
}

function exists(path: string): boolean {
  try {
    // lstat: a dangling symlink at the target still counts as something we must not replace.
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Puts the finished copy at `target` only if nothing is there yet. A hard link fails with EEXIST
 * instead of replacing, which a rename would do silently if a file appeared after our check.
 */
function publish(temporary: string, target: string): void {
  try {
    linkSync(temporary, target);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') throw new BackupRefused(`${target} appeared while the backup ran; it was left as it is`);
    // Some filesystems (FAT, some network mounts) have no hard links: fall back to a checked rename.
    if (exists(target)) throw new BackupRefused(`${target} appeared while the backup ran; it was left as it is`);
    renameSync(temporary, target);
    return;
  }
  rmSync(temporary);
}

/**
 * Copies the SQLite database in `dataDir` to `target`, a file that must not exist yet, while the
 * server may keep running. The copy is made from a connection of our own, checked, and only then
 * given its name, so `target` is either absent or a complete, consistent database.
 */
export async function backupSqlite(dataDir: string, target: string): Promise<BackupResult> {
  if (dataDir === ':memory:') throw new BackupRefused('FIRSTKEY_DATA_DIR is :memory:, so there is no database on disk to back up');
  const source = resolve(dataDir, DATABASE_FILE);
  if (!exists(source)) throw new BackupRefused(`there is no database at ${source}: is FIRSTKEY_DATA_DIR the one the server uses?`);
  const destination = resolve(target);
  if (exists(destination)) throw new BackupRefused(`${destination} already exists; a backup never overwrites a file. Choose a new name.`);
  const directory = dirname(destination);
  if (!exists(directory)) throw new BackupRefused(`the directory ${directory} does not exist`);

  // Beside the target, so publishing it is a link or rename within one filesystem.
  const temporary = join(directory, `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`);
  // Created by us, empty and private before a single page lands in it: the copy holds every secret hash and the audit trail.
  closeSync(openSync(temporary, 'wx', 0o600));
  try {
    const live = new SQLite(source, { fileMustExist: true, timeout: 5000 });
    try {
      // One step rather than many: a step that finds the database changed by another connection
      // (the server) starts the copy over, so a busy server could starve a stepwise copy. In WAL mode
      // the single long read this takes does not hold up the server's writes.
      await live.backup(temporary, { progress: () => ALL_PAGES });
    } finally {
      live.close();
    }
    const copy = new SQLite(temporary, { fileMustExist: true });
    try {
      // A backup should be one self-contained file, not a database that expects a -wal beside it.
      copy.pragma('journal_mode = DELETE');
      const check: unknown = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed SQLite's integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    fsyncPath(temporary);
    publish(temporary, destination);
    fsyncPath(directory);
    return { source, target: destination, bytes: statSync(destination).size };
  } finally {
    for (const leftover of [temporary, `${temporary}-journal`, `${temporary}-wal`, `${temporary}-shm`]) rmSync(leftover, { force: true });
  }
}

/** `firstkey-admin backup --to <file>`: exit code 0 when the copy was written, 1 when refused or failed, 2 for bad usage. */
export async function runBackupCommand(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  let to: string | undefined;
  try {
    ({
      values: { to },
    } = parseArgs({ args, options: { to: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    out(`${error instanceof Error ? error.message : String(error)}\n${BACKUP_USAGE}`);
    return 2;
  }
  if (!to) {
    out(`--to is required: the new file to write the backup to\n${BACKUP_USAGE}`);
    return 2;
  }
  // The URL carries a password, so the message names the variable but never repeats its value.
  if (env.FIRSTKEY_DATABASE_URL) {
    out(
      'Error: FIRSTKEY_DATABASE_URL is set, so the data is in PostgreSQL and this command (which copies the SQLite file) does not apply. ' +
        'Back PostgreSQL up with its own tool: pg_dump -Fc --file=firstkey.dump "$FIRSTKEY_DATABASE_URL" (restore with pg_restore).',
    );
    return 1;
  }
  try {
    const result = await backupSqlite(configFromEnv(env).dataDir, to);
    out(`Backed up ${result.source} to ${result.target} (${result.bytes} bytes, integrity check ok).\n${RESTORE_HINT}`);
    return 0;
  } catch (error) {
    out(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
