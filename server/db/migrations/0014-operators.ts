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
        // Approvals count accounts: the same account twice is refused whatever its name is spelled.
        await db.schema.alterTable('recovery_approvals').addColumn('agent_id', 'text').execute();
        await db.schema
          .createIndex('recovery_approvals_account')
          .unique()
          .on('recovery_approvals')
          .columns(['request_id', 'agent_id'])
          .execute();
        await db.schema
          .createTable('console_ceremonies')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.references('users.id'))
          .addColumn('challenge', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema
          .createTable('console_sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('credential_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('idle_ends_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();
      },
    },
  };
}
