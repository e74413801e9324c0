import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit.js';
import { loadAuditKey } from '../../server/audit/key.js';
import { migrate, openDatabase, type DatabaseHandle } from '../../server/db/open.js';
import { reserveTestDatabase, type TestDatabaseSlot } from '../support/test-database.js';

/**
 * The joiners import as an operator runs it: `npm run admin -- import-joiners` in a process of its own,
 * on a database on disk (SQLite) or this run's PostgreSQL schema.
 */
let dir: string;
let slot: TestDatabaseSlot;
let env: NodeJS.ProcessEnv;
let handle: DatabaseHandle;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firstkey-joiners-'));
  slot = await reserveTestDatabase();
  env = {
    ...process.env,
    FIRSTKEY_DATA_DIR: dir,
    ...(slot.databaseUrl ? { FIRSTKEY_DATABASE_URL: slot.databaseUrl } : {}),
    USER: 'hr.ops',
  };
  handle = await openDatabase({ dataDir: dir, databaseUrl: slot.databaseUrl }, 'tool');
  await migrate(handle);
});
afterEach(async () => {
  await handle.close();
  await slot.drop();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI; `killWhen` sees stderr as it arrives and may ask for a SIGKILL. */
function admin(args: string[], killWhen?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/admin/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (killWhen?.(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const HEADER = 'username,displayName,email,role,employmentType,manager,endDate';

function count(report: string, label: string): number {
  const match = new RegExp(`^${label}: (\\d+)`, 'm').exec(report);
  if (!match?.[1]) throw new Error(`no ${label} in:\n${report}`);
  return Number(match[1]);
}

const users = () => handle.db.selectFrom('users').selectAll().orderBy('username').execute();
const invitations = () =>
  handle.db.selectFrom('notifications').select(['user_id', 'payload']).where('kind', '=', 'enrolment.invited').execute();

describe('npm run admin -- import-joiners', () => {
  it('creates the valid rows with codes to the outbox, reports each refused row by line and why, and a second run changes nothing', async () => {
    const file = join(dir, 'joiners.csv');
    await writeFile(
      file,
      [
        HEADER,
        'ada.l,"Lovelace, Ada",ada@corp.example,engineer,employee,charles.b,',
        'bad name,Bad Name,,,,,',
        'grace.h,"Grace ""Amazing"" Hopper",grace@corp.example,admin,Contractor,ada.l,2031-06-30',
        'ADA.L,Ada Again,,,,,',
        'zed,Zed,,,intern,,',
        'erin,Erin,not-an-email,,,,',
        'fay,Fay,,,contractor,,2031-02-30',
        ',No Username,,,,,',
        'kim,Kim,,,,,',
        '',
      ].join('\r\n'),
    );
    const first = await admin(['import-joiners', file, '--issue-codes']);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(count(first.stdout, 'Created')).toBe(3);
    expect(count(first.stdout, 'Refused')).toBe(6);
    expect(first.stdout).toMatch(/line 3 \(bad name\): bad username/);
    expect(first.stdout).toMatch(/line 5 \(ADA\.L\): duplicate of line 2/);
    expect(first.stdout).toMatch(/line 6 \(zed\): unknown employment type "intern"/);
    expect(first.stdout).toMatch(/line 7 \(erin\): bad email/);
    expect(first.stdout).toMatch(/line 8 \(fay\): bad endDate/);
    expect(first.stdout).toMatch(/line 9: bad username ""/);
    // Not a terminal: plain progress lines on stderr, ending at the last row.
    expect(first.stderr).toMatch(/progress: 9\/9 rows/);

    const created = await users();
    expect(created.map((u) => u.username)).toEqual(['ada.l', 'grace.h', 'kim']);
    expect(created.find((u) => u.username === 'ada.l')).toMatchObject({ display_name: 'Lovelace, Ada', role: 'engineer' });
    expect(created.find((u) => u.username === 'grace.h')).toMatchObject({
      display_name: 'Grace "Amazing" Hopper',
      employment_type: 'contractor',
      role: 'admin',
    });
    const grace = await handle.db
      .selectFrom('user_provisioning')
      .selectAll()
      .where('user_id', '=', created[1]?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(grace).toMatchObject({ manager: 'ada.l', end_date: '2031-06-30', deactivated_at: null });
    expect(await invitations()).toHaveLength(3);
    const audited = await handle.db.selectFrom('audit_events').select(['event', 'actor']).where('event', '=', 'user.created').execute();
    expect(audited).toEqual(Array(3).fill({ event: 'user.created', actor: 'cli:hr.ops' }));
    // The report shows no code; only the outbox holds them.
    for (const { payload } of await invitations()) {
      const code = (JSON.parse(payload) as { details: { code: string } }).details.code;
      expect(first.stdout + first.stderr).not.toContain(code);
    }

    const second = await admin(['import-joiners', file, '--issue-codes']);
    expect(count(second.stdout, 'Created')).toBe(0);
    expect(count(second.stdout, 'Unchanged')).toBe(3);
    expect(count(second.stdout, 'Updated')).toBe(0);
    expect(await invitations()).toHaveLength(3);

    // A changed row updates role, employment and end date, audited; nothing else is touched.
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source
        .replace('kim,Kim,,,,,', 'kim,Kim,,,contractor,,2030-01-31')
        .replace('ada.l,"Lovelace, Ada",ada@corp.example,engineer', 'ada.l,"Lovelace, Ada",ada@corp.example,architect'),
    );
    const third = await admin(['import-joiners', file]);
    expect(count(third.stdout, 'Updated')).toBe(2);
    expect(count(third.stdout, 'Unchanged')).toBe(1);
    const after = await users();
    expect(after.find((u) => u.username === 'ada.l')?.role).toBe('architect');
    expect(after.find((u) => u.username === 'kim')?.employment_type).toBe('contractor');
    const updates = await handle.db.selectFrom('audit_events').select('details').where('event', '=', 'user.updated').execute();
    expect(updates).toHaveLength(2);
    expect(await verifyAuditChain(handle.db, loadAuditKey({ dataDir: dir }))).toBeNull();
  }, 60_000);

  it('deactivate-user and reactivate-user: the leaver path and back, audited with the operator; the file cannot bring a leaver back', async () => {
    const file = join(dir, 'one.csv');
    await writeFile(file, `${HEADER}\nleo,Leo,leo@corp.example,engineer,employee,,\n`);
    expect((await admin(['import-joiners', file, '--issue-codes'])).code).toBe(0);
    const off = await admin(['deactivate-user', '--username', 'leo']);
    expect(off.stdout).toMatch(/^Deactivated leo: 0 factors, 0 devices and 0 sessions revoked; 1 enrolment codes/m);
    expect(off.stdout).toMatch(/0 console sessions, 0 API tokens, 0 operator roles and 0 emergency grants ended$/m);
    expect((await admin(['deactivate-user', '--username', 'leo'])).stdout).toMatch(/already deactivated/);
    const again = await admin(['import-joiners', file]);
    expect(again.stdout).toMatch(/line 2 \(leo\): leo was deactivated: reactivate-user first/);
    const on = await admin(['reactivate-user', '--username', 'leo']);
    expect(on.stdout).toMatch(/^Re-activated leo with no factor/m);
    expect((await admin(['deactivate-user', '--username', 'nobody'])).code).toBe(2);
    const events = await handle.db
      .selectFrom('audit_events')
      .select(['event', 'actor'])
      .where('event', 'like', 'user.%')
      .orderBy('seq')
      .execute();
    expect(events).toEqual([
      { event: 'user.created', actor: 'cli:hr.ops' },
      { event: 'user.deactivated', actor: 'cli:hr.ops' },
      { event: 'user.reactivated', actor: 'cli:hr.ops' },
    ]);
    const code = await handle.db.selectFrom('enrolment_codes').select('expires_at').executeTakeFirstOrThrow();
    expect(code.expires_at <= new Date().toISOString()).toBe(true);
  }, 60_000);

  it('a header naming an unknown column imports nothing', async () => {
    const file = join(dir, 'wrong.csv');
    await writeFile(file, 'username,displayName,salary\nada,Ada,1\n');
    const run = await admin(['import-joiners', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/unknown column\(s\) salary: .*; nothing was imported/);
    expect(await users()).toEqual([]);
  });

  it('killed mid-file with SIGKILL, run again: every row exactly once, one code each, none issued twice', async () => {
    const rows = 1500;
    const file = join(dir, 'big.csv');
    const lines = Array.from(
      { length: rows },
      (_, i) => `joiner${String(i).padStart(5, '0')},Joiner ${i},j${i}@corp.example,engineer,employee,,`,
    );
    await writeFile(file, [HEADER, ...lines].join('\n'));
    // Killed once a tenth of the rows are done: well past the start, far from the end.
    const killed = await admin(['import-joiners', file, '--issue-codes'], (stderr) => {
      const done = [...stderr.matchAll(/progress: (\d+)\//g)].map((m) => Number(m[1]));
      return Math.max(0, ...done) >= rows / 10;
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toMatch(/^Created/m);
    const before = (await users()).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(rows);
    // What the kill left behind is whole rows: each user there has its code and invitation.
    expect(await invitations()).toHaveLength(before);

    const resumed = await admin(['import-joiners', file, '--issue-codes']);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(count(resumed.stdout, 'Unchanged')).toBe(before);
    expect(count(resumed.stdout, 'Created')).toBe(rows - before);

    const all = await users();
    expect(all).toHaveLength(rows);
    expect(new Set(all.map((u) => u.username)).size).toBe(rows);
    const perUser = await handle.db
      .selectFrom('enrolment_codes')
      .select(['user_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('user_id')
      .execute();
    expect(perUser).toHaveLength(rows);
    expect(perUser.every((r) => Number(r.n) === 1)).toBe(true);
    const invited = await invitations();
    expect(invited).toHaveLength(rows);
    expect(new Set(invited.map((i) => i.user_id)).size).toBe(rows);
    const codes = await sql<{ n: string }>`SELECT COUNT(DISTINCT handle) AS n FROM enrolment_codes`.execute(handle.db);
    expect(Number(codes.rows[0]?.n)).toBe(rows);
    expect(await verifyAuditChain(handle.db, loadAuditKey({ dataDir: dir }))).toBeNull();
  }, 120_000);
});
