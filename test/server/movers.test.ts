import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityOverview } from '../../api/security.js';
import { runAdmin } from '../../server/admin/cli.js';
import { verifyAuditChain } from '../../server/audit.js';
import { MOVER_GRACE_ACTOR, sweepMoverGrace } from '../../server/movers/grace-sweep.js';
import { importJoiners } from '../../server/provisioning/csv-import.js';
import { ADMIN_TOKEN, Api, expectAnswer, expectRefusal, expectStatus, passkey, securityKey, type Device } from '../support/api-harness.js';
import { send } from '../support/http-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { reserveTestDatabase, TEST_DATABASE, type TestDatabaseSlot } from '../support/test-database.js';
import { scim } from './scim-client.js';

/**
 * Issue 15, movers: a role or employment change re-judges the person's factors against their new tier at once.
 * Factors that fall short keep working for the tier's grace period (14 days by default), the person is told and
 * may add the required factor with a session their old one opens; when the grace ends they are suspended.
 */

const DAY = 86_400;
/** A passkey that syncs (backup eligible): fine for a standard employee, never for a privileged one. */
const syncedPasskey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: Api;
let dir: string;
let slot: TestDatabaseSlot;

beforeAll(async () => {
  api = await Api.start();
});
afterAll(async () => {
  await api.close();
});

/**
 * The server on disk (SQLite) or in this run's PostgreSQL schema, so the admin CLI works on the same database. The
 * CLI keeps real time, so these tests run on a server of their own whose clock starts at real time too.
 */
function withCli(): void {
  let outer: Api;
  beforeAll(async () => {
    outer = api;
    dir = mkdtempSync(join(tmpdir(), 'firstkey-movers-'));
    slot = await reserveTestDatabase();
    api = await Api.start({ dataDir: dir, databaseUrl: slot.databaseUrl });
  });
  afterAll(async () => {
    await api.close();
    await slot.drop();
    rmSync(dir, { recursive: true, force: true });
    api = outer;
  });
}

async function admin(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const env =
    TEST_DATABASE === 'postgres' ? { FIRSTKEY_DATABASE_URL: slot.databaseUrl, USER: 'it.ops' } : { FIRSTKEY_DATA_DIR: dir, USER: 'it.ops' };
  const code = await runAdmin(argv, env, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

async function userIdOf(username: string): Promise<string> {
  return (await api.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
}

async function statusOf(credentialId: string): Promise<string> {
  return (await api.db.selectFrom('credentials').select('status').where('id', '=', credentialId).executeTakeFirstOrThrow()).status;
}

function patchRole(userId: string, role: string) {
  return scim(api, 'PATCH', `/Users/${userId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: 'roles', value: [{ value: role, primary: true }] }],
  });
}

async function overview(device: Device, username: string, key: SoftAuthenticator): Promise<SecurityOverview> {
  const token = await device.sessionWith(username, 'manage', key);
  return SecurityOverview.parse(expectStatus(await device.call('securityOverview', { token }), 200));
}

/** Sweeps as the server's timer would, after the test clock has passed the grace period. */
function sweep(): Promise<number> {
  return sweepMoverGrace({ db: api.db, clock: api.clock });
}

describe('movers: promoted to a stricter tier', () => {
  it('a SCIM PATCH of the role makes a synced passkey non-compliant for 14 days, tells the person, and a security key added with it restores compliance', async () => {
    const laptop = await api.device();
    const key = syncedPasskey();
    const { username, credentialId } = await api.enrolled(laptop, key, 'passkey');
    const userId = await userIdOf(username);
    const movedAt = api.clock.now();

    const reply = await patchRole(userId, 'admin');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.roles).toEqual([{ value: 'admin', primary: true }]);

    // Audited with the identity provider's actor, in the same commit as the change.
    const trail = await api.auditOf(username);
    const changed = trail.find((e) => e.event === 'user.role_changed');
    const updated = trail.find((e) => e.event === 'user.updated');
    expect(changed).toMatchObject({ details: { fromRole: 'engineer', toRole: 'admin', fromTier: 'standard', toTier: 'privileged' } });
    expect(changed?.actor).toBe(updated?.actor);
    const deadline = new Date(movedAt.getTime() + 14 * DAY * 1000).toISOString();
    expect(trail.find((e) => e.event === 'factor.non_compliant')).toMatchObject({
      actor: changed?.actor,
      details: { credentialId, reason: 'factor_not_allowed', tier: 'privileged', deadline },
    });
    expect(await statusOf(credentialId)).toBe('active');

    // Told through the outbox, with the deadline and what to add.
    const notes = await api.notificationsOf(username);
    const note = notes.find((n) => n.kind === 'factor.non_compliant');
    expect(JSON.parse(note?.payload ?? '{}')).toMatchObject({
      details: { deadline, acceptedFactors: ['security-key'], factors: [credentialId] },
      message: expect.stringMatching(/^Your role changed/) as unknown,
    });

    // The passkey still opens "My security", which says what to do and by when.
    const before = await overview(laptop, username, key);
    expect(before.compliance).toEqual({
      deadline,
      acceptedFactors: ['security-key'],
      actionRequired: true,
      nonCompliantFactorIds: [credentialId],
    });

    // The way to comply: a session opened with the passkey adds a (trusted) security key.
    const token = await laptop.sessionWith(username, 'replace', key);
    const hardKey = securityKey();
    const keyId = await laptop.register(token, 'security-key', hardKey);
    await laptop.complete(token);
    const after = await overview(laptop, username, hardKey);
    expect(after.compliance).toEqual({
      deadline,
      acceptedFactors: ['security-key'],
      actionRequired: false,
      nonCompliantFactorIds: [credentialId],
    });

    // At the deadline the passkey is suspended, never silently kept; the security key goes on working.
    api.clock.advance(14 * DAY - 60);
    expect(await sweep()).toBe(0);
    api.clock.advance(61);
    expect(await sweep()).toBe(1);
    expect(await statusOf(credentialId)).toBe('suspended');
    expect(await statusOf(keyId)).toBe('active');
    const suspension = (await api.auditOf(username)).find((e) => e.event === 'factor.suspended');
    expect(suspension).toMatchObject({ actor: MOVER_GRACE_ACTOR, details: { credentialId, reason: 'mover_grace_ended' } });
    expectRefusal(await laptop.authenticate(username, 'manage', key, { credentialId }), 403, 'factor_revoked');
    expect((await overview(laptop, username, hardKey)).compliance).toBeNull();
    expect(await sweep()).toBe(0);
    expect(await verifyAuditChain(api.db)).toBeNull();
  });
});

describe('movers: to a less strict tier', () => {
  it('a demotion keeps every factor, and a move back before the deadline lifts non-compliance', async () => {
    // A privileged person with a trusted security key, demoted: nothing falls short, nothing changes.
    const desk = await api.device();
    const hardKey = securityKey();
    const admin1 = await api.enrolled(desk, hardKey, 'security-key', { role: 'admin' });
    expect((await patchRole(await userIdOf(admin1.username), 'engineer')).status).toBe(200);
    const trail = await api.auditOf(admin1.username);
    expect(trail.find((e) => e.event === 'user.role_changed')).toMatchObject({ details: { fromTier: 'privileged', toTier: 'standard' } });
    expect(trail.some((e) => e.event === 'factor.non_compliant')).toBe(false);
    expect(await statusOf(admin1.credentialId)).toBe('active');
    expect((await overview(desk, admin1.username, hardKey)).compliance).toBeNull();

    // Promoted, then moved back within the grace period: restored, and the sweep later leaves it alone.
    const laptop = await api.device();
    const key = syncedPasskey();
    const { username, credentialId } = await api.enrolled(laptop, key, 'passkey');
    const id = await userIdOf(username);
    expect((await patchRole(id, 'security')).status).toBe(200);
    expect((await patchRole(id, 'engineer')).status).toBe(200);
    expect((await api.auditOf(username)).find((e) => e.event === 'factor.compliance_restored')).toMatchObject({
      details: { credentialId, tier: 'standard' },
    });
    expect((await overview(laptop, username, key)).compliance).toBeNull();
    api.clock.advance(15 * DAY);
    await sweep();
    expect(await statusOf(credentialId)).toBe('active');
  });

  it('a second promotion while already non-compliant never extends the deadline', async () => {
    const laptop = await api.device();
    const { username, credentialId } = await api.enrolled(laptop, syncedPasskey(), 'passkey');
    const id = await userIdOf(username);
    expect((await patchRole(id, 'admin')).status).toBe(200);
    const first = await api.db
      .selectFrom('factor_compliance')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    api.clock.advance(10 * DAY);
    expect((await patchRole(id, 'sre')).status).toBe(200);
    const second = await api.db
      .selectFrom('factor_compliance')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(second.deadline).toBe(first.deadline);
    api.clock.advance(5 * DAY);
    expect(await sweep()).toBeGreaterThanOrEqual(1);
    expect(await statusOf(credentialId)).toBe('suspended');
  });
});

describe('movers: no way to keep a factor that falls short', () => {
  it('moving away and back before the deadline keeps the first deadline: no second grace period', async () => {
    const { username, credentialId } = await api.enrolled(await api.device(), syncedPasskey(), 'passkey');
    const id = await userIdOf(username);
    expect((await patchRole(id, 'admin')).status).toBe(200);
    const first = await api.db
      .selectFrom('factor_compliance')
      .select('deadline')
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    api.clock.advance(13 * DAY);
    expect((await patchRole(id, 'engineer')).status).toBe(200);
    expect((await patchRole(id, 'admin')).status).toBe(200);
    const again = await api.db
      .selectFrom('factor_compliance')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(again).toMatchObject({ deadline: first.deadline, resolved_at: null });
    api.clock.advance(1 * DAY);
    await sweep();
    expect(await statusOf(credentialId)).toBe('suspended');
  });

  it('a help-desk agent cannot reinstate a factor the person’s tier does not accept', async () => {
    const { username, credentialId } = await api.enrolled(await api.device(), syncedPasskey(), 'passkey');
    expect((await patchRole(await userIdOf(username), 'admin')).status).toBe(200);
    api.clock.advance(15 * DAY);
    await sweep();
    expect(await statusOf(credentialId)).toBe('suspended');
    const reinstated = await api.admin('reinstateFactor', { params: { id: credentialId }, body: { reason: 'asked nicely on the phone' } });
    expectRefusal(reinstated, 403, 'factor_not_allowed');
    expect(await statusOf(credentialId)).toBe('suspended');
    // Moved back to a tier that takes it, the same factor can be reinstated after review.
    expect((await patchRole(await userIdOf(username), 'engineer')).status).toBe(200);
    expectStatus(await api.admin('reinstateFactor', { params: { id: credentialId }, body: { reason: 'back in the standard tier' } }), 204);
    expect(await statusOf(credentialId)).toBe('active');
  });
});

describe('movers: set-role from the admin CLI', () => {
  withCli();

  it('set-role from the CLI: nothing done in the grace period, the only factor is suspended and the person is told', async () => {
    const laptop = await api.device();
    const key = syncedPasskey();
    const { username, credentialId } = await api.enrolled(laptop, key, 'passkey');

    const moved = await admin('set-role', '--username', username, '--role', 'sre');
    expect(moved.code, moved.out).toBe(0);
    expect(moved.out).toContain(`${username}: role sre, employee`);
    expect(moved.out).toMatch(/1 factor\(s\) no longer meet the tier; they stop working at .* unless a security-key is added/);
    const trail = await api.auditOf(username);
    expect(trail.find((e) => e.event === 'user.role_changed')).toMatchObject({
      actor: 'cli:it.ops',
      details: { toRole: 'sre', via: 'cli' },
    });
    expect(trail.find((e) => e.event === 'factor.non_compliant')?.actor).toBe('cli:it.ops');

    // Until the deadline it works.
    api.clock.advance(13 * DAY);
    expectStatus(await laptop.authenticate(username, 'manage', key), 201);
    api.clock.advance(2 * DAY);
    expect(await sweep()).toBe(1);
    expect(await statusOf(credentialId)).toBe('suspended');
    // With no usable factor left, the ceremony answers as for a stranger: nothing says the key was ever theirs.
    expectRefusal(await laptop.authenticate(username, 'manage', key, { credentialId }), 400, 'verification_failed');
    const kinds = (await api.notificationsOf(username)).map((n) => n.kind);
    expect(kinds.slice(-2)).toEqual(['factor.non_compliant', 'factor.suspended']);

    // The same role again changes nothing; bad arguments are refused before anything is touched.
    expect((await admin('set-role', '--username', username, '--role', 'sre')).out).toContain('nothing changed');
    expect((await admin('set-role', '--username', username, '--employment', 'intern')).code).toBe(2);
    const stranger = await admin('set-role', '--username', 'nobody.here', '--role', 'admin');
    expect(stranger.code).toBe(1);
    expect(stranger.out).toContain('no user nobody.here');
  });

  it('an employee who becomes a contractor: a synced passkey falls short of the contractor tier, a device-bound one does not', async () => {
    const laptop = await api.device();
    const synced = await api.enrolled(laptop, syncedPasskey(), 'passkey');
    const bound = await api.enrolled(await api.device(), passkey(), 'passkey');
    for (const { username } of [synced, bound])
      expect((await admin('set-role', '--username', username, '--employment', 'contractor')).code).toBe(0);
    expect((await api.auditOf(synced.username)).filter((e) => e.event === 'factor.non_compliant')).toHaveLength(1);
    expect((await api.auditOf(bound.username)).filter((e) => e.event === 'factor.non_compliant')).toHaveLength(0);
  });
});

describe('movers: no factor can open a session', () => {
  it('a contractor whose factors expired, moved to employee, gets a new enrolment code through the outbox', async () => {
    const laptop = await api.device();
    const { username } = await api.enrolled(laptop, passkey(), 'passkey', { employmentType: 'contractor' });
    api.clock.advance(91 * DAY); // past the contractor tier's factorLifetimeDays
    const moved = await scim(api, 'PATCH', `/Users/${await userIdOf(username)}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'userType', value: 'Employee' }],
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const invitation = (await api.notificationsOf(username)).find((n) => n.kind === 'enrolment.invited');
    const details = (JSON.parse(invitation?.payload ?? '{}') as { details: { code: string; reason: string } }).details;
    expect(details.reason).toBe('role_changed');
    expect((await api.auditOf(username)).filter((e) => e.event === 'code.issued').at(-1)).toMatchObject({
      actor: 'admin-api',
      details: { delivery: 'mover', tier: 'standard' },
    });
    // The code works: it opens an enrolment session for the new tier.
    expect(await (await api.device()).openEnrolment(details.code)).toBeTruthy();
  });
});

describe('movers: the joiners import', () => {
  it("a row that changes a person's role moves them like SCIM does, audited with the importer", async () => {
    const { username, credentialId } = await api.enrolled(await api.device(), syncedPasskey(), 'passkey');
    const csv = `username,displayName,email,role,employmentType,manager,endDate\n${username},Person ${username},${username}@corp.example,security,employee,,\n`;
    const report = await importJoiners(api.server.services.provisioning, csv, { issueCodes: false, actor: 'cli:importer' });
    expect(report).toMatchObject({ updated: 1, refused: [] });
    const trail = await api.auditOf(username);
    expect(trail.find((e) => e.event === 'user.role_changed')).toMatchObject({
      actor: 'cli:importer',
      details: { toTier: 'privileged', via: 'import' },
    });
    expect(trail.find((e) => e.event === 'factor.non_compliant')).toMatchObject({ actor: 'cli:importer', details: { credentialId } });
  });
});

describe('movers: the admin API (what the console calls)', () => {
  it('setPersonRole moves a person, answers their tier and what falls short, and is refused without users:write', async () => {
    const laptop = await api.device();
    const { username, credentialId } = await api.enrolled(laptop, syncedPasskey(), 'passkey');
    const moved = expectAnswer('setPersonRole', await api.admin('setPersonRole', { params: { username }, body: { role: 'admin' } }));
    expect(moved).toMatchObject({ username, role: 'admin', employmentType: 'employee', tier: 'privileged', changed: true });
    expect(moved.compliance).toMatchObject({
      actionRequired: true,
      acceptedFactors: ['security-key'],
      nonCompliantFactorIds: [credentialId],
    });
    expect((await api.auditOf(username)).find((e) => e.event === 'user.role_changed')).toMatchObject({ details: { via: 'admin-api' } });

    const again = expectAnswer('setPersonRole', await api.admin('setPersonRole', { params: { username }, body: { role: 'admin' } }));
    expect(again.changed).toBe(false);
    expectStatus(await api.admin('setPersonRole', { params: { username }, body: {} }), 400);
    expectRefusal(await api.admin('setPersonRole', { params: { username: 'nobody.here' }, body: { role: 'admin' } }), 404, 'not_found');
    const anonymous = await send(api.server.url, 'setPersonRole', { params: { username }, body: { role: 'engineer' } });
    expect(anonymous.status).toBe(401);
    expect((await api.db.selectFrom('users').select('role').where('username', '=', username).executeTakeFirstOrThrow()).role).toBe('admin');
  });
});

describe('movers: counted in the friction metrics', () => {
  it('/metrics counts role changes, factors made non-compliant, restored and suspended at the grace end, with no name', async () => {
    const own = await Api.start();
    try {
      const { username } = await own.enrolled(await own.device(), syncedPasskey(), 'passkey', { username: 'mover.metrics' });
      const id = (await own.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
      const patch = (role: string) =>
        scim(own, 'PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Replace', path: 'roles', value: [{ value: role }] }],
        });
      for (const role of ['admin', 'engineer', 'sre']) expect((await patch(role)).status).toBe(200);
      own.clock.advance(15 * DAY);
      expect(await sweepMoverGrace({ db: own.db, clock: own.clock })).toBe(1);
      own.clock.advance(1);
      const scraped = await fetch(`${own.server.url}/metrics?since=30d`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const body = await scraped.text();
      const value = (name: string) => new RegExp(`^firstkey_mover_${name} (\\d+)$`, 'm').exec(body)?.[1];
      expect([value('role_changes'), value('factors_non_compliant'), value('factors_restored'), value('factors_suspended')]).toEqual([
        '3',
        '2',
        '1',
        '1',
      ]);
      expect(body).not.toContain(username);
    } finally {
      await own.close();
    }
  });
});
