import { type Kysely, type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migration 0004: recovery codes, help-desk requests and the audit trail. Never edit a released one: add the next. */
export function recoveryMigrations(kind: DatabaseKind): Record<string, Migration> {
  return {
    '0004_recovery': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('sessions').addColumn('opened_by', 'text').execute();
        await db.schema.alterTable('sessions').addColumn('auth_credential_id', 'text').execute();
        await db.schema.alterTable('sessions').addColumn('authenticated_at', 'text').execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
        await db.schema.alterTable('credentials').addColumn('name', 'text').execute();
        await db.schema.alterTable('credentials').addColumn('last_used_at', 'text').execute();
        await db.schema.alterTable('credentials').addColumn('status_changed_at', 'text').execute();
        await db.schema.alterTable('devices').addColumn('label', 'text').execute();
        await db.schema
          .createTable('device_bindings')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
          .addColumn('bound_at', 'text', (c) => c.notNull())
          .addColumn('released_at', 'text')
          .addPrimaryKeyConstraint('device_bindings_pk', ['user_id', 'device_id'])
          .execute();
        // Personal devices that already carry an active factor belong to its user.
        await sql`INSERT INTO device_bindings (user_id, device_id, bound_at, released_at)
        SELECT c.user_id, c.device_id, MIN(c.created_at), NULL FROM credentials c JOIN devices d ON d.id = c.device_id
        WHERE c.status = 'active' AND d.kind = 'personal' GROUP BY c.user_id, c.device_id`.execute(db);
        await db.schema
          .createTable('assertion_ceremonies')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.references('users.id'))
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('jkt', 'text', (c) => c.notNull())
          .addColumn('challenge', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .execute();
        await db.schema
          .createTable('recovery_codes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('set_id', 'text', (c) => c.notNull())
          .addColumn('handle', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('replaced_at', 'text')
          .execute();
        await db.schema.createIndex('recovery_codes_user_handle').on('recovery_codes').columns(['user_id', 'handle']).execute();
        await db.schema
          .createTable('recovery_throttle')
          .addColumn('username', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('locked_until', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('recovery_requests')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.references('users.id'))
          .addColumn('jkt', 'text', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('approvals_required', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('deny_reason', 'text')
          .addColumn('code_hash', 'text')
          .addColumn('code_expires_at', 'text')
          .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('redeemed_at', 'text')
          .execute();
        await db.schema
          .createTable('recovery_approvals')
          .addColumn('request_id', 'text', (c) => c.notNull().references('recovery_requests.id'))
          .addColumn('agent', 'text', (c) => c.notNull())
          .addColumn('approved_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('recovery_approvals_pk', ['request_id', 'agent'])
          .execute();
        await db.schema
          .createTable('notifications')
          .addColumn('id', kind === 'sqlite' ? 'integer' : 'bigserial', (c) =>
            kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          )
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .execute();
        await db.schema.createIndex('notifications_undelivered').on('notifications').columns(['delivered_at', 'id']).execute();
        await db.schema
          .createTable('server_secrets')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
