import { sql, type Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for operator accounts' roles, API tokens and console sessions. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the same schema on both databases
export function operatorMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0014_operators': {
      async up(db) {
        // Two-person approval counts accounts: `agent.alice` and `Agent.Alice` must never be two of them.
        await sql`CREATE UNIQUE INDEX users_username_any_case ON users (lower(username))`.execute(db);
        await db.schema
          .createTable('operator_roles')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('granted_by', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('operator_roles_pk', ['user_id', 'role'])
          .execute();
      },
    },
  };
}
