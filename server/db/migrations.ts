import { randomBytes } from 'node:crypto';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { DatabaseKind } from './handle.js';
import { auditProofMigrations } from './migrations/0016-audit-proof.js';
import { frictionMigrations } from './migrations/0017-friction.js';
import { operatorMigrations } from './migrations/0014-operators.js';
import { provisioningMigrations } from './migrations/0015-provisioning.js';
import { postureMigrations } from './migrations/0019-posture.js';
import { moverMigrations } from './migrations/0018-movers.js';
import { breakGlassMigrations } from './migrations/0020-break-glass.js';
import { emergencyAccessMigrations } from './migrations/0021-emergency-access.js';

/** The few column types that differ between the two databases; everything else is portable text and integers. */
interface Types {
  bytes: 'blob' | 'bytea';
  /** Signature counters reach 2^32 - 1, past PostgreSQL's integer. */
  counter: 'integer' | 'bigint';
}

const TYPES: Record<DatabaseKind, Types> = {
  sqlite: { bytes: 'blob', counter: 'integer' },
  postgres: { bytes: 'bytea', counter: 'bigint' },
};

/** An append-only table refuses UPDATE and DELETE in the database itself, not only in our code. */
async function appendOnly(db: Kysely<unknown>, kind: DatabaseKind, table: string): Promise<void> {
  const message = `${table.replace('_', ' ')} are append-only`;
  if (kind === 'sqlite') {
    for (const [verb, name] of [
      ['UPDATE', 'no_update'],
      ['DELETE', 'no_delete'],
    ] as const) {
      await sql`CREATE TRIGGER ${sql.raw(`${table.split('_')[0] ?? table}_${name}`)} BEFORE ${sql.raw(verb)} ON ${sql.table(table)} BEGIN SELECT RAISE(ABORT, ${sql.lit(message)}); END`.execute(
        db,
      );
    }
    return;
  }
  const fn = `${table}_append_only`;
  await sql`CREATE FUNCTION ${sql.raw(fn)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(`BEGIN RAISE EXCEPTION '${message}'; END`)}`.execute(
    db,
  );
  await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)} FOR EACH ROW EXECUTE FUNCTION ${sql.raw(fn)}()`.execute(
    db,
  );
}

/**
 * Forward-only, versioned migrations. Never edit a released one: add the next.
 * Names sort in the order they run. The same schema on both databases, through `Types`.
 */
function migrationsFor(kind: DatabaseKind): Record<string, Migration> {
  const t = TYPES[kind];
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
    '0013_device_approvals': {
      async up(db: Kysely<unknown>) {
        // A new computer approved from the person's old one: both devices, the deciding session and the collected one.
        await db.schema
          .createTable('device_approvals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.references('users.id'))
          .addColumn('jkt', 'text', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
          .addColumn('code_hash', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('found_by_session_id', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('decided_by_session_id', 'text')
          .addColumn('approver_device_id', 'text')
          .addColumn('approver_credential_id', 'text')
          .addColumn('collected_at', 'text')
          .addColumn('session_id', 'text')
          .execute();
        await db.schema
          .createIndex('device_approvals_user_open')
          .on('device_approvals')
          .columns(['user_id', 'status', 'expires_at'])
          .execute();
        await db.schema.createIndex('device_approvals_username').on('device_approvals').columns(['username', 'status']).execute();
        await db.schema.createIndex('device_approvals_jkt').on('device_approvals').column('jkt').execute();
      },
    },
    '0012_recovery_reference': {
      async up(db: Kysely<unknown>) {
        // The reference a person reads to the help desk over the phone: short, unique, typed back by the agent.
        await db.schema.alterTable('recovery_requests').addColumn('reference', 'text').execute();
        const rows = await sql<{ id: string }>`SELECT id FROM recovery_requests`.execute(db);
        // Requests filed before this had none: each gets its own, drawn here so the migration never changes with the app's code.
        const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        const drawn = new Set<string>();
        for (const { id } of rows.rows) {
          let reference = '';
          while (reference === '' || drawn.has(reference)) {
            reference = Array.from(randomBytes(8), (b) => alphabet[b % 32]).join('');
          }
          drawn.add(reference);
          await sql`UPDATE recovery_requests SET reference = ${reference} WHERE id = ${id}`.execute(db);
        }
        await db.schema.createIndex('recovery_requests_reference').on('recovery_requests').column('reference').unique().execute();
        if (kind === 'postgres') await sql`ALTER TABLE recovery_requests ALTER COLUMN reference SET NOT NULL`.execute(db);
      },
    },
  };
}

export function migrationProvider(kind: DatabaseKind): MigrationProvider {
  const migrations = {
    ...migrationsFor(kind),
    ...operatorMigrations(kind),
    ...provisioningMigrations(kind),
    ...auditProofMigrations(kind),
    ...frictionMigrations(kind),
    ...postureMigrations(kind),
    ...moverMigrations(kind),
    ...breakGlassMigrations(kind),
    ...emergencyAccessMigrations(kind),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
