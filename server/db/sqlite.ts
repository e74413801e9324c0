import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection } from 'kysely';
import { DatabaseLostError, DatabaseSetupError, type DatabaseHandle } from './handle.js';
import type { Database } from './schema.js';

export const SQLITE_FILE = 'firstkey.sqlite';
const LOCK_FILE = 'firstkey.instance.lock';
/** Enough for every distinct query the server compiles; a bound, so odd ad-hoc queries cannot grow it forever. */
const STATEMENT_CACHE_SIZE = 512;
const BUSY_TIMEOUT_MS = 5000;
const WRITE = /^\s*(insert|update|delete|replace|begin)/i;

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function setting(dataDir: string, problem: string, cause?: unknown): DatabaseSetupError {
  return new DatabaseSetupError(`FIRSTKEY_DATA_DIR=${dataDir}: ${problem}${cause === undefined ? '' : ` (${reason(cause)})`}`, {
    cause,
  });
}

function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw setting(dataDir, code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : 'cannot be created', error);
  }
  if (!statSync(dataDir).isDirectory()) throw setting(dataDir, 'not a directory');
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw setting(dataDir, 'not writable', error);
  }
}

/**
 * Holds an exclusive SQLite lock on a file next to the database for the life of the process. The
 * OS drops it when the process dies, so a crash never leaves a stale lock behind.
 */
function claimInstanceLock(dataDir: string): SQLite.Database {
  const lock = new SQLite(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (error) {
    lock.close();
    if (reason(error) === 'SQLITE_BUSY') {
      throw setting(
        dataDir,
        'another FirstKey server already runs on this data directory. SQLite is the single-instance default; ' +
          'to run several instances, use PostgreSQL by setting FIRSTKEY_DATABASE_URL',
      );
    }
    throw setting(dataDir, 'the instance lock file cannot be used', error);
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * The better-sqlite3 connection as Kysely sees it, with two changes: statements are prepared once
 * and reused (preparing is a measurable share of each query), and every write first checks that
 * the file on disk is still the one we opened. SQLite keeps writing to a deleted file's inode, so
 * without the check a removed database would accept writes that vanish at the next start.
 */
function guardedConnection(sqlite: SQLite.Database, file: string | null) {
  const statements = new Map<string, SQLite.Statement>();
  const opened = file ? statSync(file) : null;
  const assertSameFile = () => {
    if (!file || !opened) return;
    let now: Stats;
    try {
      now = statSync(file);
    } catch {
      throw new DatabaseLostError(`the database file ${file} was removed while the server ran; restart the server`);
    }
    if (!sameFile(opened, now))
      throw new DatabaseLostError(`the database file ${file} was replaced while the server ran; restart the server`);
  };
  return {
    assertSameFile,
    database: {
      close: () => sqlite.close(),
      prepare(query: string) {
        if (WRITE.test(query)) assertSameFile();
        let statement = statements.get(query);
        if (!statement) {
          statement = sqlite.prepare(query);
          if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
          statements.set(query, statement);
        }
        return statement;
      },
    },
  };
}

/**
 * Write transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred one that
 * reads first and then writes fails with SQLITE_BUSY_SNAPSHOT if another process (the admin CLI,
 * a backup) committed in between; taking the lock up front makes it wait its turn instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export interface SqliteOptions {
  /** A server process claims the data directory; tools such as the admin CLI share it. */
  claimInstance: boolean;
}

/** Opens (creating if needed) the embedded SQLite database under `dataDir`. `:memory:` for throwaway use. */
export function openSqlite(dataDir: string, options: SqliteOptions = { claimInstance: false }): DatabaseHandle {
  const inMemory = dataDir === ':memory:';
  let file: string | null = null;
  let lock: SQLite.Database | null = null;
  if (!inMemory) {
    prepareDataDir(dataDir);
    if (options.claimInstance) lock = claimInstanceLock(dataDir);
    file = join(dataDir, SQLITE_FILE);
  }
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file ?? ':memory:', { timeout: BUSY_TIMEOUT_MS });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    lock?.close();
    const code = reason(error);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
      throw setting(dataDir, `${SQLITE_FILE} is not a usable SQLite database`, error);
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') throw setting(dataDir, `${SQLITE_FILE} is not writable`, error);
    throw setting(dataDir, `${SQLITE_FILE} cannot be opened`, error);
  }
  const connection = guardedConnection(sqlite, file);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connection.database }) });
  // A second connection for readiness probes, so a probe never waits behind (or inside) a request's transaction.
  const probe = file ? new SQLite(file, { timeout: 1000 }) : null;
  return {
    db,
    kind: 'sqlite',
    location: file ?? ':memory:',
    writable() {
      try {
        connection.assertSameFile();
        if (probe) probe.exec('BEGIN IMMEDIATE; ROLLBACK');
        return Promise.resolve(null);
      } catch (error) {
        return Promise.resolve(error instanceof DatabaseLostError ? error.message : `the database does not take writes (${reason(error)})`);
      }
    },
    async close() {
      probe?.close();
      await db.destroy();
      lock?.close();
    },
  };
}
