import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for emergency access to service accounts. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- plain text: the same on both databases
export function emergencyAccessMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0021_emergency_access': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('service_account_owners')
          .addColumn('service_user_id', 'text', (c) => c.primaryKey().references('users.id'))
          .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('assigned_by', 'text', (c) => c.notNull())
          .addColumn('assigned_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('emergency_grants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('reference', 'text', (c) => c.notNull().unique())
          .addColumn('service_user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('minutes', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('requested_session_id', 'text', (c) => c.notNull())
          .addColumn('requested_device_id', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text', (c) => c.references('users.id'))
          .addColumn('decided_by_actor', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('decision_reason', 'text')
          .addColumn('activated_at', 'text')
          .addColumn('token_hash', 'text')
          .addColumn('ended_at', 'text')
          .addColumn('ended_by', 'text')
          .addColumn('end_reason', 'text')
          .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // The sweep's question (open grants past their end) and the report's order.
        await db.schema.createIndex('emergency_grants_open').on('emergency_grants').columns(['status', 'expires_at']).execute();
        await db.schema.createIndex('emergency_grants_owner').on('emergency_grants').columns(['owner_user_id', 'requested_at']).execute();
      },
    },
  };
}
