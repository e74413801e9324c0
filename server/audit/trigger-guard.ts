import { sql } from 'kysely';
import type { Db } from '../db/open.js';
import type { DatabaseKind } from '../db/handle.js';

/**
 * The append-only triggers migration 0001 puts on audit_events (appendOnly() in
 * server/db/migrations.ts): the same names and messages, so a restored one is indistinguishable.
 */
const MESSAGE = 'audit events are append-only';
const SQLITE_TRIGGERS = { audit_no_update: 'UPDATE', audit_no_delete: 'DELETE' } as const;
const PG_TRIGGER = 'audit_events_append_only';

async function missingTriggers(db: Db, kind: DatabaseKind): Promise<string[]> {
  if (kind === 'sqlite') {
    const rows = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'`.execute(
      db,
    );
    const present = new Set(rows.rows.map((r) => r.name));
    return Object.keys(SQLITE_TRIGGERS).filter((name) => !present.has(name));
  }
  const rows = await sql<{ tgname: string }>`
    SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = 'audit_events' AND n.nspname = current_schema() AND t.tgenabled <> 'D' AND NOT t.tgisinternal`.execute(db);
  return rows.rows.some((r) => r.tgname === PG_TRIGGER) ? [] : [PG_TRIGGER];
}

async function restore(db: Db, kind: DatabaseKind, names: string[]): Promise<void> {
  if (kind === 'sqlite') {
    for (const name of names) {
      const verb = SQLITE_TRIGGERS[name as keyof typeof SQLITE_TRIGGERS];
      await sql`CREATE TRIGGER IF NOT EXISTS ${sql.raw(name)} BEFORE ${sql.raw(verb)} ON audit_events BEGIN SELECT RAISE(ABORT, ${sql.lit(MESSAGE)}); END`.execute(
        db,
      );
    }
    return;
  }
  await sql`CREATE OR REPLACE FUNCTION ${sql.raw(PG_TRIGGER)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(`BEGIN RAISE EXCEPTION '${MESSAGE}'; END`)}`.execute(
    db,
  );
  // A disabled trigger counts as dropped: put back one that is enabled.
  await sql`DROP TRIGGER IF EXISTS ${sql.raw(PG_TRIGGER)} ON audit_events`.execute(db);
  await sql`CREATE TRIGGER ${sql.raw(PG_TRIGGER)} BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION ${sql.raw(PG_TRIGGER)}()`.execute(
    db,
  );
}

/** Puts back any missing append-only trigger on audit_events; returns the names restored (empty when all were there). */
export async function guardAppendOnly(db: Db, kind: DatabaseKind): Promise<string[]> {
  const missing = await missingTriggers(db, kind);
  if (missing.length > 0) await restore(db, kind, missing);
  return missing;
}
