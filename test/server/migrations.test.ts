import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.js';
import { migrationProvider } from '../../server/db/migrations.js';
import type { Database } from '../../server/db/schema.js';

/** Migration 0004 on a database that already holds enrolled people: forward only, data kept, bindings derived. */
describe('migration 0004_recovery', () => {
  it('binds personal devices that carry an active factor to their user, and nothing else', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    expect((await migrator.migrateTo('0003_policy')).error).toBeUndefined();
    const at = '2025-01-01T00:00:00.000Z';
    await sql`INSERT INTO users (id, username, display_name, email, role, account_kind, created_at) VALUES ('u1', 'ada', 'Ada', NULL, 'engineer', 'human', ${at})`.execute(
      db,
    );
    for (const [id, kind] of [
      ['laptop', 'personal'],
      ['kiosk', 'kiosk'],
      ['old', 'personal'],
    ]) {
      await sql`INSERT INTO devices (id, jkt, name, platform, os_version, app_version, kind, first_seen_at, last_seen_at) VALUES (${id}, ${`jkt-${id}`}, ${id}, 'linux', '6', '0.1', ${kind}, ${at}, ${at})`.execute(
        db,
      );
    }
    await sql`INSERT INTO sessions (id, user_id, purpose, token_hash, created_at, expires_at) VALUES ('s1', 'u1', 'enrol', 'h', ${at}, ${at})`.execute(
      db,
    );
    for (const [id, device, status] of [
      ['c1', 'laptop', 'active'],
      ['c2', 'kiosk', 'active'],
      ['c3', 'old', 'revoked'],
      ['c4', 'laptop', 'active'],
    ]) {
      await sql`INSERT INTO credentials (id, user_id, session_id, factor, status, public_key, counter, transports, aaguid, attestation_format, backup_eligible, backed_up, user_verified, created_at, device_id)
        VALUES (${id}, 'u1', 's1', 'passkey', ${status}, x'00', 0, '[]', 'a', 'none', 0, 0, 1, ${at}, ${device})`.execute(db);
    }
    const result = await migrator.migrateToLatest();
    expect(result.error).toBeUndefined();
    expect(result.results?.map((r) => r.migrationName).slice(0, 2)).toEqual(['0004_recovery', '0005_several_instances']);
    expect(await db.selectFrom('device_bindings').selectAll().execute()).toEqual([
      { user_id: 'u1', device_id: 'laptop', bound_at: at, released_at: null },
    ]);
    expect(await db.selectFrom('credentials').select(['id', 'status', 'name']).orderBy('id').execute()).toHaveLength(4);
    await db.destroy();
  });
});

describe('recovery settings', () => {
  it('a recovery session must be shorter than an enrolment session, and a help-desk code lives at most an hour', () => {
    expect(configFromEnv({ FIRSTKEY_SESSION_TTL_SECONDS: '600' }).recoverySessionTtlSeconds).toBe(300);
    // An administrator sees the variables to change, never the server's internal field names.
    expect(() => configFromEnv({ FIRSTKEY_SESSION_TTL_SECONDS: '300' })).toThrow(
      'Invalid server setting FIRSTKEY_RECOVERY_SESSION_TTL_SECONDS: must be shorter than the enrolment session lifetime (FIRSTKEY_SESSION_TTL_SECONDS)',
    );
    expect(() => configFromEnv({ FIRSTKEY_RECOVERY_SESSION_TTL_SECONDS: '600' })).toThrow(
      /^Invalid server setting FIRSTKEY_RECOVERY_SESSION_TTL_SECONDS: /,
    );
    expect(() => configFromEnv({ FIRSTKEY_HELPDESK_CODE_TTL_SECONDS: '3601' })).toThrow(
      /^Invalid server setting FIRSTKEY_HELPDESK_CODE_TTL_SECONDS: /,
    );
    expect(() => configFromEnv({ FIRSTKEY_MDS_BLOB: '/x.jwt' })).toThrow(/^Invalid server setting FIRSTKEY_MDS_ROOT: /);
    expect(() => configFromEnv({ FIRSTKEY_ORIGINS: 'not a url' })).toThrow(/^Invalid server setting FIRSTKEY_ORIGINS: /);
    const set = configFromEnv({
      FIRSTKEY_RECOVERY_CODE_MAX_ATTEMPTS: '5',
      FIRSTKEY_RECOVERY_LOCK_SECONDS: '3600',
      FIRSTKEY_NOTIFICATION_FILE: '/tmp/n.jsonl',
      FIRSTKEY_FRESH_AUTH_SECONDS: '120',
    });
    expect(set).toMatchObject({
      recoveryCodeMaxAttempts: 5,
      recoveryLockSeconds: 3600,
      notificationFile: '/tmp/n.jsonl',
      freshAuthSeconds: 120,
      helpdeskCodeTtlSeconds: 3600,
    });
  });
});
