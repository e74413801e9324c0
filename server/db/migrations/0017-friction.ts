import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations for friction metrics: the app's step timings. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- plain text and integers: the same on both databases
export function frictionMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0017_friction': {
      async up(db: Kysely<unknown>) {
        // One row per screen visit; the session id and the tier are all that ties it to anyone.
        await db.schema
          .createTable('step_timings')
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('step', 'text', (c) => c.notNull())
          .addColumn('ms', 'integer', (c) => c.notNull())
          .addColumn('tier', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('step_timings_pk', ['session_id', 'position'])
          .execute();
        await db.schema.createIndex('step_timings_recorded').on('step_timings').column('recorded_at').execute();
        // The funnel reads a few events over a period: without this it scans the whole trail at every scrape.
        await db.schema.createIndex('audit_events_event_at').on('audit_events').columns(['event', 'at']).execute();
      },
    },
  };
}
