import { Migrator } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { DatabaseHandle } from './handle.js';
import { migrationProvider } from './migrations.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';

export type { Db, DatabaseHandle, DatabaseKind } from './handle.js';

/**
 * The database the settings name: PostgreSQL when FIRSTKEY_DATABASE_URL is set, else SQLite in
 * FIRSTKEY_DATA_DIR. A server claims a SQLite data directory for itself; tools share it.
 */
export function openDatabase(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>, role: 'server' | 'tool'): Promise<DatabaseHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return Promise.resolve(openSqlite(config.dataDir, { claimInstance: role === 'server' }));
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

function migratorFor(handle: DatabaseHandle): Migrator {
  // Kysely looks for its bookkeeping tables in every schema unless told which: name ours.
  return new Migrator({
    db: handle.db,
    provider: migrationProvider(handle.kind),
    // Helpers' migrations land in any order (0019 ran before 0018 on some databases); each touches only its own tables.
    allowUnorderedMigrations: true,
    ...(handle.schema ? { migrationTableSchema: handle.schema } : {}),
  });
}

/**
 * Runs every pending migration; refuses to start on a failed one rather than serve a half-migrated
 * schema. On PostgreSQL the migrator holds an advisory lock, so instances starting together
 * migrate once; on SQLite only one server holds the data directory.
 */
export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const { error, results } = await migratorFor(handle).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : JSON.stringify(error);
    throw new MigrationError(`database migration ${failed ?? ''} failed on ${handle.location}: ${detail}`.replace('  ', ' '), {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of migrations this build knows but the database has not run: empty when the schema is current. */
export async function pendingMigrations(handle: DatabaseHandle): Promise<string[]> {
  const migrations = await migratorFor(handle).getMigrations();
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
