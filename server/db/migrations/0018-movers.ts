import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for movers: factors that fell short of a new tier. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- plain text: the same on both databases
export function moverMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0018_movers': {
      async up(db) {
        await db.schema
          .createTable('factor_compliance')
          // One episode per factor at a time: a later move updates the row rather than stacking deadlines.
          .addColumn('credential_id', 'text', (c) => c.primaryKey().references('credentials.id'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('tier', 'text', (c) => c.notNull())
          .addColumn('since', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .addColumn('resolution', 'text')
          .execute();
        // The sweep's question (open episodes past their deadline) and the overview's (a person's open ones).
        await db.schema.createIndex('factor_compliance_open').on('factor_compliance').columns(['resolved_at', 'deadline']).execute();
        await db.schema.createIndex('factor_compliance_user').on('factor_compliance').columns(['user_id', 'resolved_at']).execute();
      },
    },
  };
}
