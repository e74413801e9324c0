import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { migrate, openDatabase, type DatabaseHandle, type Db } from '../../server/db/open.js';

/**
 * Which database this test run uses. vitest.config.ts runs the server suite twice: once on
 * in-memory SQLite, once with FIRSTKEY_TEST_DB=postgres on the cluster scripts/with-postgres.sh
 * starts (FIRSTKEY_TEST_DATABASE_URL).
 */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.FIRSTKEY_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

let admin: pg.Pool | undefined;

function clusterUrl(): string {
  const url = process.env.FIRSTKEY_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'FIRSTKEY_TEST_DB=postgres needs FIRSTKEY_TEST_DATABASE_URL: run the tests through scripts/with-postgres.sh (npm test does)',
    );
  return url;
}

/** A database URL whose connections all work in `schema`: the same cluster, a separate world per test. */
function urlInSchema(schema: string): string {
  const url = new URL(clusterUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export interface TestDatabaseSlot {
  /** For the server's settings: set on PostgreSQL, unset on SQLite (then dataDir decides). */
  databaseUrl: string | undefined;
  /** Removes what the tests wrote. */
  drop(): Promise<void>;
}

/** An empty place for one test's data: a new PostgreSQL schema, or nothing to make for in-memory SQLite. */
export async function reserveTestDatabase(): Promise<TestDatabaseSlot> {
  if (TEST_DATABASE === 'sqlite') return { databaseUrl: undefined, drop: () => Promise.resolve() };
  admin ??= new pg.Pool({ connectionString: clusterUrl(), max: 2 });
  const schema = `t_${randomBytes(8).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    databaseUrl: urlInSchema(schema),
    drop: async () => {
      await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

export interface TestDatabase {
  handle: DatabaseHandle;
  db: Db;
  close(): Promise<void>;
}

/** A fresh, migrated database of this run's kind. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const slot = await reserveTestDatabase();
  const handle = await openDatabase({ dataDir: ':memory:', databaseUrl: slot.databaseUrl }, 'tool');
  await migrate(handle);
  return {
    handle,
    db: handle.db,
    close: async () => {
      await handle.close();
      await slot.drop();
    },
  };
}

/** The tables of the database the tests run on. */
export async function tableNames(db: Db): Promise<string[]> {
  const query =
    TEST_DATABASE === 'sqlite'
      ? sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
      : sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`;
  return (await query.execute(db)).rows.map((r) => r.name);
}
