import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for break-glass accounts. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- plain text: the same on both databases
export function breakGlassMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0020_break_glass': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('break_glass_supervisions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('custodian_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('via', 'text', (c) => c.notNull())
          .addColumn('confirmed_at', 'text', (c) => c.notNull())
          // The database itself makes one custodian count once per session, whatever races.
          .addUniqueConstraint('break_glass_supervisions_once', ['session_id', 'custodian_id'])
          .execute();
        await db.schema
          .createTable('break_glass_keys')
          // No foreign key: a pending key of an abandoned session is deleted, and its label may stay behind unread.
          .addColumn('credential_id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('custodian', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('labelled_by', 'text', (c) => c.notNull())
          .addColumn('labelled_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
