import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for device posture. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- plain text: the same on both databases
export function postureMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0019_posture': {
      async up(db: Kysely<unknown>) {
        // The posture each device last reported: what IT reads beside the device, and what a refusal was judged on.
        await db.schema
          .createTable('device_posture')
          .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id'))
          .addColumn('posture', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('reported_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
