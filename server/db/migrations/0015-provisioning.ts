import type { Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for joiners and leavers: SCIM and CSV provisioning. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the same schema on both databases
export function provisioningMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0015_provisioning': {
      async up(db) {
        // A person's state as the identity provider sees it: left or not, its id, manager, a contractor's last day.
        await db.schema
          .createTable('user_provisioning')
          .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
          // Unique when set: NULLs never clash, on either database.
          .addColumn('external_id', 'text', (c) => c.unique())
          .addColumn('manager', 'text')
          .addColumn('end_date', 'text')
          .addColumn('deactivated_at', 'text')
          .addColumn('deleted_at', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        // The sweeper's question: which contractors' last day has passed.
        await db.schema.createIndex('user_provisioning_end_date').on('user_provisioning').columns(['end_date', 'deactivated_at']).execute();
      },
    },
  };
}
