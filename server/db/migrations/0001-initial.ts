import { type Kysely, type Migration } from 'kysely';
import type { DatabaseKind } from '../handle.js';
import { COLUMN_TYPES, appendOnly } from './column-types.js';

/** Migrations 0001 to 0003: people, enrolment, devices and the policy tier. Never edit a released one: add the next. */
export function initialMigrations(kind: DatabaseKind): Record<string, Migration> {
  const t = COLUMN_TYPES[kind];
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('account_kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('enrolment_codes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('handle', 'text', (c) => c.notNull().unique())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('locked_at', 'text')
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('code_id', 'text', (c) => c.references('enrolment_codes.id'))
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('completed_at', 'text')
          .addColumn('ended_at', 'text')
          .addColumn('challenge', 'text')
          .addColumn('challenge_factor', 'text')
          .addColumn('challenge_expires_at', 'text')
          .execute();
        await db.schema
          .createTable('credentials')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
          .addColumn('factor', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('public_key', t.bytes, (c) => c.notNull())
          .addColumn('counter', t.counter, (c) => c.notNull())
          .addColumn('transports', 'text', (c) => c.notNull())
          .addColumn('aaguid', 'text', (c) => c.notNull())
          .addColumn('attestation_format', 'text', (c) => c.notNull())
          .addColumn('backup_eligible', 'integer', (c) => c.notNull())
          .addColumn('backed_up', 'integer', (c) => c.notNull())
          .addColumn('user_verified', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('credentials_user').on('credentials').column('user_id').execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('seq', kind === 'sqlite' ? 'integer' : 'bigserial', (c) =>
            kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          )
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('details', 'text', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await appendOnly(db, kind, 'audit_events');
      },
    },
    '0002_device_binding': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('jkt', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('platform', 'text', (c) => c.notNull())
          .addColumn('os_version', 'text', (c) => c.notNull())
          .addColumn('app_version', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('first_seen_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.alterTable('sessions').addColumn('jkt', 'text').execute();
        await db.schema
          .alterTable('sessions')
          .addColumn('device_id', 'text', (c) => c.references('devices.id'))
          .execute();
        await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
        await db.schema
          .alterTable('credentials')
          .addColumn('device_id', 'text', (c) => c.references('devices.id'))
          .execute();
      },
    },
    '0003_policy': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('users')
          .addColumn('employment_type', 'text', (c) => c.notNull().defaultTo('employee'))
          .execute();
        await db.schema.alterTable('credentials').addColumn('authenticator_name', 'text').execute();
        await db.schema.alterTable('credentials').addColumn('expires_at', 'text').execute();
        await db.schema.alterTable('credentials').addColumn('policy_tier', 'text').execute();
      },
    },
  };
}
