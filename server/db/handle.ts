import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** The two stores the server runs on: SQLite for one machine, PostgreSQL for several instances. */
export type DatabaseKind = 'sqlite' | 'postgres';

/** An open database and what the server needs to know about it beyond queries. */
export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: DatabaseKind;
  /** Where the data lives, for start-up lines and errors: a file path, or host and database name (never a password). */
  readonly location: string;
  /** PostgreSQL: the schema the connections work in (its search_path), which the migrator's own tables belong to. */
  readonly schema?: string;
  /** Null when the database answers and would take a write now; otherwise what is wrong, in a sentence. */
  writable(): Promise<string | null>;
  close(): Promise<void>;
}

/** The database cannot be used as configured: the message names the setting and what to change. */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/** A write was refused because the database under the server is gone or replaced: never a silent success. */
export class DatabaseLostError extends Error {
  override name = 'DatabaseLostError';
}
