import { type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations 0005 to 0010: several instances, client limits, throttles and kiosk stations. Never edit a released one: add the next. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the same on both databases
export function instanceAndKioskMigrations(_kind: DatabaseKind): Record<string, Migration> {
  return {
    '0005_several_instances': {
      async up(db: Kysely<unknown>) {
        // DPoP proof identifiers seen by any instance, until the proof would be too old anyway.
        await db.schema
          .createTable('dpop_proofs')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('dpop_proofs_expiry').on('dpop_proofs').column('expires_at').execute();
        // Lookups the flows make that had no index: completion and sweeps by session, requests by username and device.
        await db.schema.createIndex('credentials_session').on('credentials').column('session_id').execute();
        await db.schema.createIndex('sessions_open').on('sessions').columns(['completed_at', 'expires_at']).execute();
        await db.schema.createIndex('recovery_requests_username').on('recovery_requests').column('username').execute();
        await db.schema.createIndex('recovery_requests_status').on('recovery_requests').columns(['status', 'created_at']).execute();
        await db.schema.createIndex('device_bindings_device').on('device_bindings').column('device_id').execute();
        await db.schema.createIndex('enrolment_codes_user').on('enrolment_codes').column('user_id').execute();
        await db.schema.createIndex('recovery_codes_user_set').on('recovery_codes').columns(['user_id', 'set_id']).execute();
      },
    },
    '0006_client_limits': {
      async up(db: Kysely<unknown>) {
        // Per-client counters in the database, so every instance on one PostgreSQL database counts together.
        await db.schema
          .createTable('client_limits')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('window_start', 'text', (c) => c.notNull())
          .addColumn('hits', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('client_limits_window').on('client_limits').column('window_start').execute();
      },
    },
    '0007_throttling': {
      async up(db: Kysely<unknown>) {
        // When the next try may come, after wrong codes: throttling instead of an early hard lock.
        await db.schema.alterTable('recovery_throttle').addColumn('next_try_at', 'text').execute();
        await db.schema.alterTable('enrolment_codes').addColumn('next_try_at', 'text').execute();
        await db.schema.alterTable('recovery_requests').addColumn('next_try_at', 'text').execute();
      },
    },
    '0008_kiosk_stations': {
      async up(db: Kysely<unknown>) {
        // A station is one registration of a device key as a kiosk, from the station code an admin issued.
        await db.schema
          .createTable('stations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('code_handle', 'text', (c) => c.notNull().unique())
          .addColumn('code_hash', 'text', (c) => c.notNull())
          .addColumn('code_expires_at', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('jkt', 'text', (c) => c.unique())
          .addColumn('registered_at', 'text')
          .addColumn('renew_by', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .addColumn('last_seen_at', 'text')
          .execute();
        await db.schema
          .createTable('operator_ceremonies')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('station_id', 'text', (c) => c.notNull().references('stations.id'))
          .addColumn('operator_id', 'text', (c) => c.references('users.id'))
          .addColumn('challenge', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema
          .createTable('kiosk_confirmations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('station_id', 'text', (c) => c.notNull().references('stations.id'))
          .addColumn('operator_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('operator_credential_id', 'text', (c) => c.notNull())
          .addColumn('new_hire_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('checks', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('session_id', 'text')
          .execute();
        await db.schema
          .createIndex('kiosk_confirmations_open')
          .on('kiosk_confirmations')
          .columns(['station_id', 'new_hire_id', 'used_at'])
          .execute();
        // Set on sessions opened from a registered station: the server's mark of a kiosk session.
        await db.schema.alterTable('sessions').addColumn('station_id', 'text').execute();
      },
    },
    '0009_attempt_throttles': {
      async up(db: Kysely<unknown>) {
        // Waits and locks keyed by what is tried from where (username and client, enrolment-code
        // handle), whether or not a matching record exists, so a missing record answers as a real one.
        await db.schema
          .createTable('attempt_throttles')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('next_try_at', 'text')
          .addColumn('locked_until', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('attempt_throttles_updated').on('attempt_throttles').column('updated_at').execute();
      },
    },
    '0010_kiosk_confirmation_cancel': {
      async up(db: Kysely<unknown>) {
        // One person at a time: a later confirmation, or the station's cancel, retires an unused one.
        await db.schema.alterTable('kiosk_confirmations').addColumn('cancelled_at', 'text').execute();
      },
    },
  };
}
