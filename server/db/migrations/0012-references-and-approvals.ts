import { randomBytes } from 'node:crypto';
import { type Kysely, type Migration, sql } from 'kysely';
import type { DatabaseKind } from '../handle.js';

/** Migrations 0012 and 0013: help-desk references and device-to-device approvals. Never edit a released one: add the next. */
export function referenceAndApprovalMigrations(kind: DatabaseKind): Record<string, Migration> {
  return {
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
