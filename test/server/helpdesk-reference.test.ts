import { agentBearer, asAgent, CHECKED } from '../support/operators.js';
import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HelpdeskRequestView, RecoveryApprovalResponse, RecoveryRequestList, RecoveryRequestView } from '../../api/recovery.js';
import { migrationProvider } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/open.js';
import { parseReference, storeWithFreshReference } from '../../server/recovery/reference.js';
import { Api, expectRefusal, expectStatus, passkey, type Device } from '../support/api-harness.js';
import { cliOnDisk } from '../support/cli-on-disk.js';
import { reserveTestDatabase } from '../support/test-database.js';

/**
 * Issue 14, "The reference the app shows (8 characters) is refused by the help desk's command":
 * the server gives each request a short reference, unique over every request, that the app shows
 * and the help desk's API and CLI accept as it is read out on the phone.
 */

const REFERENCE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

async function file(device: Device, username: string): Promise<RecoveryRequestView> {
  return RecoveryRequestView.parse(
    expectStatus(await device.call('fileRecoveryRequest', { body: { username, device: device.signals } }), 201),
  );
}

/** As an agent might type what they heard: lower case, the dash left out or spaces put in. */
const typedByAgent = (reference: string, style: 'lower' | 'spaced') =>
  style === 'lower' ? reference.toLowerCase().replace('-', '') : reference.replace('-', ' ').toLowerCase();

describe('the reference the app shows is accepted by the help desk', () => {
  let api: Api;
  beforeEach(async () => {
    api = await Api.start();
  });
  afterEach(() => api.close());

  it('each request carries an 8-character reference, the same in the app and in the help desk list; the admin API approves by it, in any case, with or without the dash', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const fresh = await api.device({ name: 'loaner laptop' });
    const request = await file(fresh, username);
    expect(request.reference).toMatch(REFERENCE);
    expect(RecoveryRequestView.parse((await fresh.call('recoveryRequestStatus', { params: { id: request.id } })).body).reference).toBe(
      request.reference,
    );
    const listed = RecoveryRequestList.parse(expectStatus(await api.admin('listRecoveryRequests'), 200)).requests;
    expect(listed.find((r) => r.id === request.id)?.reference).toBe(request.reference);

    const approved = RecoveryApprovalResponse.parse(
      expectStatus(
        await asAgent(api, 'grace', 'approveRecovery', {
          params: { id: typedByAgent(request.reference, 'lower') },
          body: { username, ...CHECKED },
        }),
        200,
      ),
    );
    expect(approved.request).toMatchObject({ id: request.id, reference: request.reference, status: 'approved' });
    expect(approved.code).toBeDefined();
    // The code that approval yields opens the session on the filing device: the reference named the right request.
    expectStatus(await fresh.recover({ method: 'helpdesk', requestId: request.id, code: approved.code }), 201);
  });

  it('deny by reference; a reference nobody was given is not found, and the full id still works', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const first = await file(await api.device(), username);
    const second = await file(await api.device(), username);
    expect(second.reference).not.toBe(first.reference);

    const denied = HelpdeskRequestView.parse(
      expectStatus(
        await asAgent(api, 'grace', 'denyRecovery', {
          params: { id: typedByAgent(first.reference, 'spaced') },
          body: { username, reason: 'caller could not be verified' },
        }),
        200,
      ),
    );
    expect(denied).toMatchObject({ id: first.id, status: 'denied' });
    // Still pending: the reference picked exactly one request.
    expect(RecoveryRequestList.parse((await api.admin('listRecoveryRequests')).body).requests.map((r) => r.id)).toEqual([second.id]);

    const unknown = second.reference.startsWith('Z') ? 'YYYY-YYYY' : 'ZZZZ-ZZZZ';
    expectRefusal(
      await asAgent(api, 'grace', 'approveRecovery', { params: { id: unknown }, body: { username, ...CHECKED } }),
      404,
      'not_found',
    );
    expectRefusal(
      await asAgent(api, 'grace', 'approveRecovery', { params: { id: 'not-a-reference' }, body: { username, ...CHECKED } }),
      404,
      'not_found',
    );
    // Naming someone else's request by its reference is refused like naming it by id.
    expectRefusal(
      await asAgent(api, 'grace', 'approveRecovery', { params: { id: second.reference }, body: { username: 'someone.else', ...CHECKED } }),
      409,
      'approval_refused',
    );
    expectStatus(await asAgent(api, 'grace', 'approveRecovery', { params: { id: second.id }, body: { username, ...CHECKED } }), 200);
  });

  it('references are unique: the database refuses a second request under a taken reference, and filing draws again', async () => {
    const { username } = await api.enrolled(await api.device(), passkey(), 'passkey');
    const taken = await file(await api.device(), username);
    const stored = parseReference(taken.reference);
    expect(stored).toHaveLength(8);
    const row = await api.db.selectFrom('recovery_requests').selectAll().where('id', '=', taken.id).executeTakeFirstOrThrow();
    const copy = (id: string, reference: string) => ({ ...row, id, reference, next_try_at: null, code_attempts: 0 });
    await expect(api.db.insertInto('recovery_requests').values(copy('clash', row.reference)).execute()).rejects.toThrow();

    // A draw that lands on a taken reference is drawn again; the request is stored once, under the fresh one.
    const draws = [row.reference, 'ABCDEFGH'];
    const again = await storeWithFreshReference(
      async (reference) => {
        await api.db.insertInto('recovery_requests').values(copy('redrawn', reference)).execute();
        return reference;
      },
      async (reference) =>
        (await api.db.selectFrom('recovery_requests').select('id').where('reference', '=', reference).executeTakeFirst()) !== undefined,
      () => draws.shift() ?? 'unreachable',
    );
    expect(again).toBe('ABCDEFGH');
    expect(await api.db.selectFrom('recovery_requests').select('reference').where('id', '=', 'redrawn').executeTakeFirst()).toEqual({
      reference: 'ABCDEFGH',
    });
    // A failure that is not a clash is not hidden by drawing again.
    await expect(
      storeWithFreshReference(
        () => Promise.reject(new Error('disk full')),
        () => Promise.resolve(false),
      ),
    ).rejects.toThrow('disk full');
  });
});

describe('the help desk command accepts the reference', () => {
  const cli = cliOnDisk('firstkey-reference-');
  const admin = async (...argv: string[]) => cli.admin(argv, await agentBearer(cli.api, 'grace'));

  it('list shows the reference first; approve-recovery and deny-recovery take it as the person read it out', async () => {
    const { username } = await cli.api.enrolled(await cli.api.device(), passkey(), 'passkey');
    const fresh = await cli.api.device({ name: 'replacement laptop' });
    const request = await file(fresh, username);

    const listed = await admin('list-recovery-requests');
    expect(
      listed.out
        .split('\n')
        .find((line) => line.includes(request.id))
        ?.startsWith(`${request.reference}  ${request.id}`),
    ).toBe(true);

    const approved = await admin(
      'approve-recovery',
      '--request',
      typedByAgent(request.reference, 'lower'),
      '--username',
      username,
      '--reason',
      'verified',
      '--checklist',
      'callback,identity',
    );
    expect(approved.code).toBe(0);
    const code = /code for \S+: (\S+)/.exec(approved.out)?.[1];
    expectStatus(await fresh.recover({ method: 'helpdesk', requestId: request.id, code }), 201);

    const other = await file(fresh, username);
    const denied = await admin(
      'deny-recovery',
      '--request',
      other.reference.toLowerCase(),
      '--username',
      username,
      '--reason',
      'no callback',
    );
    expect(denied).toEqual({ code: 0, out: `Denied request ${other.reference} (${other.id}).` });
    const unknown = await admin('approve-recovery', '--request', 'ZZZZ-ZZZZ', '--username', username, '--reason', 'verified');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('no recovery request with the id or reference ZZZZ-ZZZZ');
  });
});

describe('migration 0012_recovery_reference', () => {
  it('gives every request filed before it a reference of its own, and refuses a duplicate after', async () => {
    const slot = await reserveTestDatabase();
    const handle = await openDatabase({ dataDir: ':memory:', databaseUrl: slot.databaseUrl }, 'tool');
    try {
      const migrator = new Migrator({
        db: handle.db,
        provider: migrationProvider(handle.kind),
        ...(handle.schema ? { migrationTableSchema: handle.schema } : {}),
      });
      expect((await migrator.migrateTo('0010_kiosk_confirmation_cancel')).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await sql`INSERT INTO devices (id, jkt, name, platform, os_version, app_version, kind, first_seen_at, last_seen_at) VALUES ('d1', 'jkt-1', 'laptop', 'linux', '6', '0.1', 'personal', ${at}, ${at})`.execute(
        handle.db,
      );
      for (const id of ['r1', 'r2', 'r3']) {
        await sql`INSERT INTO recovery_requests (id, username, user_id, jkt, device_id, status, approvals_required, created_at, expires_at)
          VALUES (${id}, 'ada', NULL, 'jkt-1', 'd1', 'pending', 1, ${at}, ${at})`.execute(handle.db);
      }
      const result = await migrator.migrateToLatest();
      expect(result.error).toBeUndefined();
      expect(result.results?.map((r) => r.migrationName)).toContain('0012_recovery_reference');
      const rows = await handle.db.selectFrom('recovery_requests').select(['id', 'reference']).orderBy('id').execute();
      expect(rows.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
      for (const { reference } of rows) expect(parseReference(reference)).toBe(reference);
      expect(new Set(rows.map((r) => r.reference)).size).toBe(3);
      const first = rows[0]?.reference ?? '';
      await expect(
        sql`INSERT INTO recovery_requests (id, username, user_id, jkt, device_id, status, approvals_required, created_at, expires_at, reference)
          VALUES ('r4', 'ada', NULL, 'jkt-1', 'd1', 'pending', 1, ${at}, ${at}, ${first})`.execute(handle.db),
      ).rejects.toThrow();
    } finally {
      await handle.close();
      await slot.drop();
    }
  });
});
