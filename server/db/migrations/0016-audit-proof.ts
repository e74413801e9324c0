import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for the audit trail's keyed chain and checkpoints. Never edit a released one: add the next. */
export function auditProofMigrations(kind: DatabaseKind): Record<string, Migration> {
  return {
    '0016_audit_proof': {
      async up(db: Kysely<unknown>) {
        // Rows already written keep their plain SHA-256 hashes; every row from now on is keyed
        // (server/audit/chain.ts). ADD COLUMN fires no row trigger, so the append-only guard stays.
        await sql`ALTER TABLE audit_events ADD COLUMN chain text NOT NULL DEFAULT 'sha256'`.execute(db);
        await db.schema
          .createTable('audit_checkpoints')
          .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigserial', (c) =>
            kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          )
          .addColumn('seq', kind === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('count', kind === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addColumn('exported_at', 'text')
          .execute();
      },
    },
  };
}
