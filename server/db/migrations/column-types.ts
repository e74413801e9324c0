import { type Kysely, sql } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** The few column types that differ between the two databases; everything else is portable text and integers. */
interface Types {
  bytes: 'blob' | 'bytea';
  /** Signature counters reach 2^32 - 1, past PostgreSQL's integer. */
  counter: 'integer' | 'bigint';
}

export const COLUMN_TYPES: Record<DatabaseKind, Types> = {
  sqlite: { bytes: 'blob', counter: 'integer' },
  postgres: { bytes: 'bytea', counter: 'bigint' },
};

/** An append-only table refuses UPDATE and DELETE in the database itself, not only in our code. */
export async function appendOnly(db: Kysely<unknown>, kind: DatabaseKind, table: string): Promise<void> {
  const message = `${table.replace('_', ' ')} are append-only`;
  if (kind === 'sqlite') {
    for (const [verb, name] of [
      ['UPDATE', 'no_update'],
      ['DELETE', 'no_delete'],
    ] as const) {
      await sql`CREATE TRIGGER ${sql.raw(`${table.split('_')[0] ?? table}_${name}`)} BEFORE ${sql.raw(verb)} ON ${sql.table(table)} BEGIN SELECT RAISE(ABORT, ${sql.lit(message)}); END`.execute(
        db,
      );
    }
    return;
  }
  const fn = `${table}_append_only`;
  await sql`CREATE FUNCTION ${sql.raw(fn)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(`BEGIN RAISE EXCEPTION '${message}'; END`)}`.execute(
    db,
  );
  await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION ${sql.raw(fn)}()`.execute(
    db,
  );
}
