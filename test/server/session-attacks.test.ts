import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../server/db/schema.js';
import type { NewSession } from '../../server/enrolment/sessions.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { sha256 } from '../../server/secrets.js';
import { ATTACK_DEVICE, recoveryBench, type RecoveryBench } from '../support/attack-kit.js';

/**
 * What an attacker tries with a session token: using it from another device key, after it ended,
 * after it expired or went idle, for a call its purpose does not allow, or for a sensitive call
 * long after the person last proved who they are. The SessionStore runs on a real database.
 */

const OWNER = 'jkt-of-the-owning-device-00000000000000000';
const THIEF = 'jkt-of-a-thief-device-000000000000000000000';
const TTL = 600;
const IDLE = 300;
const FRESH = 120;

let b: RecoveryBench;
let ada: UserRow;
let deviceId: string;
beforeEach(async () => {
  b = await recoveryBench({ sessionTtlSeconds: TTL, sessionIdleSeconds: IDLE, freshAuthSeconds: FRESH, recoverySessionTtlSeconds: 300 });
  ada = await b.addUser('ada');
  deviceId = (await b.devices.record(OWNER, ATTACK_DEVICE)).id;
});
afterEach(() => b.close());

/** Opens a session the way the flows do: create() the row, insert it, hand out the token. */
async function open(over: Partial<NewSession> = {}): Promise<{ token: string; id: string }> {
  const { token, row } = b.sessions.create({
    user: ada,
    purpose: 'enrol',
    jkt: OWNER,
    deviceId,
    ttlSeconds: TTL,
    openedBy: 'enrolment-code',
    ...over,
  });
  await b.db.insertInto('sessions').values(row).execute();
  return { token, id: row.id };
}

const failure = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });
const live = (token: string, jkt = OWNER, purposes?: ('enrol' | 'replace' | 'manage' | 'recover')[]) =>
  b.sessions.live({ token, jkt }, purposes);

describe('a stolen or stale session token', () => {
  it('stores only a hash of a 256-bit token, and finds the session by it', async () => {
    const { token, id } = await open();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await b.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(sha256(token));
    expect(row).toMatchObject({ user_id: ada.id, jkt: OWNER, device_id: deviceId, purpose: 'enrol', opened_by: 'enrolment-code' });
    expect(row).toMatchObject({ completed_at: null, ended_at: null, challenge: null, auth_credential_id: null, authenticated_at: null });
    const { session, user } = await live(token);
    expect(session.id).toBe(id);
    expect(user.username).toBe('ada');
  });

  it('records which enrolment code opened the session, for the audit of a stolen code', async () => {
    const now = b.clock.now().toISOString();
    await b.db
      .insertInto('enrolment_codes')
      .values({
        id: 'code-1',
        user_id: ada.id,
        handle: 'ABCD',
        secret_hash: 'x',
        created_at: now,
        expires_at: now,
        used_at: now,
        locked_at: null,
      })
      .execute();
    const { id } = await open({ codeId: 'code-1' });
    const row = await b.db.selectFrom('sessions').select('code_id').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.code_id).toBe('code-1');
  });

  it('an unknown token, or the hash of a real one presented as a token, is no session', async () => {
    const { token } = await open();
    await expect(live('not-a-token')).rejects.toEqual(failure('session_invalid'));
    await expect(live(sha256(token))).rejects.toEqual(failure('session_invalid'));
  });

  it('each refusal says which: no such session, another device key, completed, expired', async () => {
    const said = async (pending: Promise<unknown>) =>
      pending.then(
        () => 'accepted',
        (e: unknown) => (e as Error).message,
      );
    const { token, id } = await open();
    expect(await said(live('not-a-token'))).toBe('no such session');
    expect(await said(live(token, THIEF))).toBe('the session is bound to another device key');
    await b.db.updateTable('sessions').set({ completed_at: b.clock.now().toISOString() }).where('id', '=', id).execute();
    expect(await said(live(token))).toBe('session already completed');
    const idle = await open();
    b.clock.advance(IDLE);
    expect(await said(live(idle.token))).toBe('session expired');
  });

  it('a copied token is useless with another device key', async () => {
    const { token } = await open();
    await expect(live(token, THIEF)).rejects.toEqual(failure('dpop_invalid'));
    await expect(live(token)).resolves.toBeDefined();
  });

  it('a token of a revoked device key is refused', async () => {
    const { token } = await open();
    await b.devices.revoke(deviceId, 'test');
    await expect(live(token)).rejects.toEqual(failure('device_revoked'));
  });

  it('an ended session, or a completed one, cannot be used again', async () => {
    const ended = await open();
    await b.db.updateTable('sessions').set({ ended_at: b.clock.now().toISOString() }).where('id', '=', ended.id).execute();
    await expect(live(ended.token)).rejects.toEqual(failure('session_invalid'));
    const completed = await open();
    await b.db.updateTable('sessions').set({ completed_at: b.clock.now().toISOString() }).where('id', '=', completed.id).execute();
    await expect(live(completed.token)).rejects.toEqual(failure('session_completed'));
  });

  it('a session ends sessionIdleSeconds after its last use, to the millisecond, and each use pushes that back', async () => {
    const { token } = await open();
    b.clock.advanceMs(IDLE * 1000 - 1);
    await expect(live(token)).resolves.toBeDefined();
    b.clock.advanceMs(IDLE * 1000 - 1);
    await expect(live(token)).resolves.toBeDefined();
    b.clock.advanceMs(IDLE * 1000);
    await expect(live(token)).rejects.toEqual(failure('session_expired'));
  });

  it('a session used all the time still ends at its lifetime, to the millisecond', async () => {
    const { token, id } = await open();
    for (let used = 0; used < TTL - 100; used += 100) {
      b.clock.advance(100);
      await live(token);
    }
    b.clock.advanceMs(100_000 - 1);
    await expect(live(token)).resolves.toBeDefined();
    const row = await b.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(b.sessions.effectiveExpiry(row)).toBe(row.expires_at);
    b.clock.advanceMs(1);
    await expect(live(token)).rejects.toEqual(failure('session_expired'));
  });

  it('the shorter of the requested lifetime and the tier limit applies', async () => {
    const strict = await recoveryBench(
      { sessionTtlSeconds: TTL, sessionIdleSeconds: IDLE },
      { ...DEFAULT_POLICY, tiers: { ...DEFAULT_POLICY.tiers, standard: { ...DEFAULT_POLICY.tiers.standard!, sessionTtlSeconds: 120 } } },
    );
    try {
      const user = await strict.addUser('bob');
      const device = await strict.devices.record(OWNER, ATTACK_DEVICE);
      const start = strict.clock.now().getTime();
      const base = { user, purpose: 'enrol', jkt: OWNER, deviceId: device.id, openedBy: 'enrolment-code' } as const;
      expect(Date.parse(strict.sessions.create({ ...base, ttlSeconds: 600 }).row.expires_at) - start).toBe(120_000);
      expect(Date.parse(strict.sessions.create({ ...base, ttlSeconds: 60 }).row.expires_at) - start).toBe(60_000);
      expect(Date.parse(b.sessions.create({ ...base, user: ada, deviceId, ttlSeconds: 600 }).row.expires_at) - start).toBe(600_000);
    } finally {
      await strict.close();
    }
  });

  it('a session may only make the calls its purpose allows', async () => {
    const { token } = await open({ purpose: 'recover', openedBy: 'recovery-code' });
    await expect(live(token, OWNER, ['manage'])).rejects.toMatchObject({
      code: 'purpose_not_allowed',
      message: 'a recover session cannot do this',
    });
    await expect(live(token, OWNER, ['enrol', 'recover'])).resolves.toBeDefined();
    await expect(live(token, OWNER, [])).rejects.toEqual(failure('purpose_not_allowed'));
  });

  it('tells the app when the session will end if nothing more happens', async () => {
    const { token } = await open();
    const { session, user } = await live(token);
    const view = b.sessions.view(session, user);
    expect(view).toMatchObject({
      id: session.id,
      purpose: 'enrol',
      user: { username: 'ada', displayName: 'ada' },
      allowedFactors: ['passkey', 'security-key'],
      expiresAt: new Date(b.clock.now().getTime() + IDLE * 1000).toISOString(),
      serverTime: b.clock.now().toISOString(),
    });
  });
});

describe('sensitive calls need a recent assertion', () => {
  it('refuses a session opened without an assertion, and one whose assertion is freshAuthSeconds old, to the millisecond', async () => {
    const byCode = await open();
    const { session: codeSession } = await live(byCode.token);
    expect(() => {
      b.sessions.requireFresh(codeSession);
    }).toThrow(expect.objectContaining({ code: 'reauth_required' }) as Error);

    const byAssertion = await open({ purpose: 'manage', openedBy: 'assertion', authCredentialId: 'cred-1' });
    const { session } = await live(byAssertion.token);
    expect(session.authenticated_at).toBe(b.clock.now().toISOString());
    expect(session.auth_credential_id).toBe('cred-1');
    b.clock.advanceMs(FRESH * 1000 - 1);
    expect(() => {
      b.sessions.requireFresh(session);
    }).not.toThrow();
    b.clock.advanceMs(1);
    expect(() => {
      b.sessions.requireFresh(session);
    }).toThrow(
      expect.objectContaining({
        code: 'reauth_required',
        message: `authenticate again: this needs an assertion less than ${FRESH} s old`,
      }) as Error,
    );
  });
});

describe('ending the other sessions (what recovery does to an attacker who holds one)', () => {
  it('ends every other open session of the user, discards the factors they left pending, and leaves the rest alone', async () => {
    const keep = await open();
    const other = await open();
    const done = await open();
    await b.db.updateTable('sessions').set({ completed_at: b.clock.now().toISOString() }).where('id', '=', done.id).execute();
    const bob = await b.addUser('bob');
    const bobs = b.sessions.create({ user: bob, purpose: 'enrol', jkt: OWNER, deviceId, ttlSeconds: TTL, openedBy: 'enrolment-code' });
    await b.db.insertInto('sessions').values(bobs.row).execute();

    // A factor the attacker's session registered but did not complete, and one the owner's session did.
    const factor = (id: string, sessionId: string, status: 'pending' | 'active') => ({
      id,
      user_id: ada.id,
      session_id: sessionId,
      factor: 'passkey' as const,
      status,
      public_key: new Uint8Array([1]),
      counter: 0,
      transports: '[]',
      aaguid: '00000000-0000-0000-0000-000000000000',
      attestation_format: 'none',
      backup_eligible: 0,
      backed_up: 0,
      user_verified: 1,
      created_at: b.clock.now().toISOString(),
      device_id: null,
      authenticator_name: null,
      expires_at: null,
      policy_tier: null,
      name: null,
      last_used_at: null,
      status_changed_at: null,
    });
    await b.db
      .insertInto('credentials')
      .values([factor('planted', other.id, 'pending'), factor('owners', keep.id, 'pending'), factor('done', other.id, 'active')])
      .execute();

    await b.db.updateTable('sessions').set({ challenge: 'outstanding-challenge' }).where('id', 'in', [other.id, keep.id]).execute();
    expect(await b.sessions.endOthersIn(b.db, ada.id, keep.id)).toBe(1);
    expect((await live(keep.token)).session.challenge).toBe('outstanding-challenge');
    const left = await b.db.selectFrom('credentials').select('id').orderBy('id').execute();
    expect(left.map((c) => c.id)).toEqual(['done', 'owners']);
    const ended = await b.db.selectFrom('sessions').selectAll().where('id', '=', other.id).executeTakeFirstOrThrow();
    expect(ended).toMatchObject({ ended_at: b.clock.now().toISOString(), challenge: null });
    await expect(live(other.token)).rejects.toEqual(failure('session_invalid'));
    await expect(live(keep.token)).resolves.toBeDefined();
    await expect(live(bobs.token)).resolves.toBeDefined();
    const doneRow = await b.db.selectFrom('sessions').selectAll().where('id', '=', done.id).executeTakeFirstOrThrow();
    expect(doneRow.ended_at).toBeNull();
    expect(await b.sessions.endOthersIn(b.db, ada.id, keep.id)).toBe(0);
  });
});
