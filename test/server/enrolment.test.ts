import { TEST_DATABASE } from '../support/test-database.js';
import { sweepAbandonedFactors } from '../../server/enrolment/sweeper.js';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FactorKind } from '../../api/enrolment.js';
import { verifyAuditChain } from '../../server/audit.js';
import { parseCode, SECRET_BITS } from '../../server/enrolment/codes.js';
import { sha256 } from '../../server/secrets.js';
import type { Caller } from '../../server/context.js';
import { callerOf, dumpDatabase, newService, TEST_DEVICE, TEST_JKT, TEST_ORIGIN, type ServiceHarness } from '../support/service-harness.js';
import { CredentialExcludedError, fromB64url, SoftAuthenticator, type CreateInput } from '../support/soft-authenticator.js';

/** Handles to hand out before random ones: forces the clash of a new code's handle with an old one. */
const forced = vi.hoisted(() => ({ handles: [] as string[] }));
// Randomness is the one thing replaced: the next 4-character draws (a code's handle) come from `forced`.
vi.mock('../../server/secrets.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../server/secrets.js')>();
  return {
    ...actual,
    randomBase32: (length: number) => (length === 4 && forced.handles.length > 0 ? forced.handles.shift()! : actual.randomBase32(length)),
  };
});

let h: ServiceHarness;
beforeEach(async () => {
  h = await newService();
  await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
});
afterEach(async () => {
  await h.close();
});

const refusal = (code: string): unknown => expect.objectContaining({ name: 'ApiFailure', code });

/** Redeems a code as the test device (whose key the HTTP layer would have checked). */
const redeem = (code: string) => h.services.enrolment.openSession(code, TEST_JKT, TEST_DEVICE);

async function openSession(username = 'ada.new') {
  const issued = await h.services.accounts.issueCode(username, 'test');
  const opened = await redeem(issued.code);
  return { issued, ...opened, caller: callerOf(opened.token) };
}

/** The app's side of one ceremony: options, the authenticator, and the registration call. */
async function register(caller: Caller, factor: FactorKind, authenticator: SoftAuthenticator, input: Partial<CreateInput> = {}) {
  const options = await h.services.enrolment.registrationOptions(caller, factor);
  const response = authenticator.create(options, { origin: TEST_ORIGIN, ...input });
  return { options, response, credential: await h.services.enrolment.verifyRegistration(caller, factor, response) };
}

const passkey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true, backedUp: true });
const securityKey = () =>
  new SoftAuthenticator({
    attachment: 'cross-platform',
    attestation: 'packed',
    userVerified: false,
    aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  });

async function credentialsOf(username: string) {
  return h.db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select(['credentials.id', 'credentials.status', 'credentials.factor', 'credentials.aaguid', 'credentials.attestation_format'])
    .where('users.username', '=', username)
    .execute();
}

describe('enrolment codes', () => {
  it('a code opens a session for its user, with the policy the server decided', async () => {
    const { issued, token, session } = await openSession();
    expect(issued.link).toContain(encodeURIComponent(issued.code));
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(session).toMatchObject({ purpose: 'enrol', user: { username: 'ada.new', displayName: 'Ada Lovelace' } });
    expect(session.allowedFactors).toEqual(['passkey', 'security-key']);
    expect(Date.parse(session.expiresAt) - Date.parse(session.serverTime)).toBe(h.config.sessionTtlSeconds * 1000);
  });

  it('accepts the code as people type it: lower case, spaces for dashes', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const typed = ` ${issued.code.toLowerCase().replace(/-/g, ' ')} `;
    await expect(redeem(typed)).resolves.toMatchObject({ session: { user: { username: 'ada.new' } } });
  });

  it('codes carry at least 112 bits, and neither the code nor the session token is stored', async () => {
    expect(SECRET_BITS).toBeGreaterThanOrEqual(112);
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    expect(parts.secret.length * Math.log2(32)).toBeGreaterThanOrEqual(112);
    const { token } = await redeem(issued.code);
    const row = await h.db.selectFrom('enrolment_codes').selectAll().where('handle', '=', parts.handle).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(sha256(parts.secret));
    const dump = await dumpDatabase(h.db);
    for (const secret of [issued.code, parts.secret, parts.handle + parts.secret, token]) expect(dump).not.toContain(secret);
    expect(dump).toContain(sha256(token));
  });

  it('1000 codes are all different', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 1000; i++) codes.add((await h.services.accounts.issueCode('ada.new', 'test')).code);
    expect(codes.size).toBe(1000);
  });

  it('a new code whose handle clashes with an earlier one is drawn again, not refused', async () => {
    forced.handles.push('ABCD', 'ABCD');
    const first = await h.services.accounts.issueCode('ada.new', 'test');
    const second = await h.services.accounts.issueCode('ada.new', 'test');
    expect(first.code.startsWith('ABCD-')).toBe(true);
    expect(second.code.startsWith('ABCD-')).toBe(false);
    await expect(redeem(second.code)).resolves.toBeDefined();
    await expect(redeem(first.code)).resolves.toBeDefined();
  });

  it('refuses an unknown code, a malformed one, and a known handle with the wrong secret', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    const otherHandle = parts.handle === '0000' ? '1111' : '0000';
    await expect(redeem(otherHandle + parts.secret)).rejects.toEqual(refusal('code_invalid'));
    await expect(redeem('not a code')).rejects.toEqual(refusal('code_invalid'));
    const wrongSecret = parts.handle + (parts.secret.startsWith('A') ? 'B' : 'A') + parts.secret.slice(1);
    await expect(redeem(wrongSecret)).rejects.toEqual(refusal('code_invalid'));
    const row = await h.db
      .selectFrom('enrolment_codes')
      .select(['failed_attempts', 'locked_at'])
      .where('handle', '=', parts.handle)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_attempts: 1, locked_at: null });
    await expect(redeem(issued.code)).resolves.toBeDefined();
  });

  it('a code works once', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    await redeem(issued.code);
    await expect(redeem(issued.code)).rejects.toEqual(refusal('code_used'));
  });

  it('a code expires after its lifetime, which is capped at the configured maximum', async () => {
    const short = await h.services.accounts.issueCode('ada.new', 'test', 60);
    const capped = await h.services.accounts.issueCode('ada.new', 'test', 10 * h.config.codeTtlSeconds);
    expect(Date.parse(capped.expiresAt) - h.clock.now().getTime()).toBe(h.config.codeTtlSeconds * 1000);
    h.clock.advance(59);
    const early = await h.services.accounts.issueCode('ada.new', 'test');
    h.clock.advance(1);
    await expect(redeem(short.code)).rejects.toEqual(refusal('code_expired'));
    h.clock.advance(h.config.codeTtlSeconds - 60);
    await expect(redeem(capped.code)).rejects.toEqual(refusal('code_expired'));
    await expect(redeem(early.code)).resolves.toBeDefined();
  });

  it(`locks a code after codeMaxAttempts wrong tries; then even the right code is refused`, async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    const wrong = parts.handle + (parts.secret.startsWith('A') ? 'B' : 'A') + parts.secret.slice(1);
    for (let i = 0; i < h.config.codeMaxAttempts; i++) {
      await expect(redeem(wrong)).rejects.toEqual(refusal('code_invalid'));
    }
    await expect(redeem(issued.code)).rejects.toEqual(refusal('code_locked'));
    await expect(redeem(wrong)).rejects.toEqual(refusal('code_locked'));
    const events = await h.db.selectFrom('audit_events').select('event').where('event', 'like', 'code.%').orderBy('seq').execute();
    expect(events.map((e) => e.event)).toEqual(['code.issued', 'code.refused', 'code.refused', 'code.locked']);
  });

  it('a service account never gets a code, nor a session from a code issued before it became one', async () => {
    await h.services.accounts.createUser({ username: 'build-bot', displayName: 'CI bot', accountKind: 'service' }, 'test');
    await expect(h.services.accounts.issueCode('build-bot', 'test')).rejects.toEqual(refusal('account_not_eligible'));
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    await h.db.updateTable('users').set({ account_kind: 'service' }).where('username', '=', 'ada.new').execute();
    await expect(redeem(issued.code)).rejects.toEqual(refusal('account_not_eligible'));
    expect(await h.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
  });

  it('of several concurrent redemptions of one code exactly one wins', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => redeem(issued.code)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toEqual(refusal('code_used'));
    expect(await h.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });
});

describe('devices', () => {
  it('a new device opening two sessions at once (two codes) gets both, and is recorded once', async () => {
    await h.services.accounts.createUser({ username: 'grace', displayName: 'Grace Hopper' }, 'test');
    const codes = await Promise.all(['ada.new', 'grace'].map((u) => h.services.accounts.issueCode(u, 'test')));
    const opened = await Promise.all(codes.map((c) => redeem(c.code)));
    expect(opened.map((o) => o.session.user.username).sort()).toEqual(['ada.new', 'grace']);
    expect(await h.services.devices.list()).toEqual([expect.objectContaining({ jkt: TEST_JKT, name: TEST_DEVICE.name })]);
  });
});

describe('enrolment sessions and registration', () => {
  it('a session expires sessionTtlSeconds after it opened', async () => {
    const { caller } = await openSession();
    h.clock.advance(h.config.sessionTtlSeconds - 1);
    await expect(h.services.enrolment.getSession(caller)).resolves.toBeDefined();
    h.clock.advance(1);
    await expect(h.services.enrolment.getSession(caller)).rejects.toEqual(refusal('session_expired'));
    await expect(h.services.enrolment.registrationOptions(caller, 'passkey')).rejects.toEqual(refusal('session_expired'));
    await expect(h.services.enrolment.complete(caller)).rejects.toEqual(refusal('session_expired'));
  });

  it('an unknown token is no session', async () => {
    await expect(h.services.enrolment.getSession(callerOf('x'.repeat(43)))).rejects.toEqual(refusal('session_invalid'));
  });

  it('a session left idle for sessionIdleSeconds ends, even inside its lifetime; each use pushes the limit back', async () => {
    await h.close();
    h = await newService({ sessionIdleSeconds: 120 });
    await h.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace' }, 'test');
    const { caller } = await openSession();
    h.clock.advance(119);
    await expect(h.services.enrolment.getSession(caller)).resolves.toBeDefined();
    h.clock.advance(119);
    await expect(h.services.enrolment.getSession(caller)).resolves.toBeDefined();
    h.clock.advance(120);
    await expect(h.services.enrolment.getSession(caller)).rejects.toEqual(refusal('session_expired'));
  });

  it('a session token is useless with another device key, even to end the session', async () => {
    const { caller } = await openSession();
    const thief = callerOf(caller.token, 'another-device-key-thumbprint-000000000');
    await expect(h.services.enrolment.getSession(thief)).rejects.toEqual(refusal('dpop_invalid'));
    await expect(h.services.enrolment.registrationOptions(thief, 'passkey')).rejects.toEqual(refusal('dpop_invalid'));
    await expect(h.services.enrolment.end(thief)).rejects.toEqual(refusal('dpop_invalid'));
    await expect(h.services.enrolment.getSession(caller)).resolves.toBeDefined();
  });

  for (const [factor, make] of [
    ['passkey', passkey],
    ['security-key', securityKey],
  ] as const) {
    it(`full registration of a ${factor}: complete() activates exactly the one credential`, async () => {
      const { caller } = await openSession();
      const { options, credential } = await register(caller, factor, make());
      expect(options.rp.id).toBe(h.config.rpId);
      expect(options.authenticatorSelection?.authenticatorAttachment).toBe(factor === 'passkey' ? 'platform' : 'cross-platform');
      expect(options.authenticatorSelection?.userVerification).toBe(factor === 'passkey' ? 'required' : 'preferred');
      expect(options.attestation).toBe('none'); // the built-in policy's standard tier asks for no attestation
      expect(credential).toMatchObject({ factor, status: 'pending' });
      expect(await credentialsOf('ada.new')).toEqual([expect.objectContaining({ id: credential.id, status: 'pending' })]);

      const done = await h.services.enrolment.complete(caller);
      expect(done.user.username).toBe('ada.new');
      expect(done.credentials).toEqual([expect.objectContaining({ id: credential.id, factor, status: 'active' })]);
      const stored = await credentialsOf('ada.new');
      expect(stored).toEqual([
        expect.objectContaining({ id: credential.id, status: 'active', attestation_format: factor === 'passkey' ? 'none' : 'packed' }),
      ]);
      if (factor === 'security-key') expect(stored[0]?.aaguid).toBe('cb69481e-8ff7-4039-93ec-0a2729a154a8');
      await expect(h.services.enrolment.getSession(caller)).rejects.toEqual(refusal('session_completed'));
      await expect(h.services.enrolment.complete(caller)).rejects.toEqual(refusal('session_completed'));
    });
  }

  it('a passkey made without user verification is refused', async () => {
    const { caller } = await openSession();
    await expect(register(caller, 'passkey', passkey(), { flags: { userVerified: false } })).rejects.toMatchObject({
      code: 'verification_failed',
      message: 'user_verification_missing',
    });
  });

  it('refusals from the ceremony name the failed check', async () => {
    const cases: [Partial<CreateInput>, string][] = [
      [{ origin: 'https://evil.example' }, 'origin_mismatch'],
      [{ rpId: 'evil.example' }, 'rp_id_mismatch'],
      [{ challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'challenge_mismatch'],
    ];
    const { caller } = await openSession();
    for (const [input, reason] of cases) {
      await expect(register(caller, 'passkey', passkey(), input)).rejects.toMatchObject({ code: 'verification_failed', message: reason });
    }
    const refused = await h.db.selectFrom('audit_events').select('details').where('event', '=', 'factor.refused').execute();
    expect(refused.map((r) => (JSON.parse(r.details) as { reason?: string }).reason)).toEqual(cases.map(([, reason]) => reason));
  });

  it('a challenge is spent by its first use: the same response twice is refused, and so is a replay into a new ceremony', async () => {
    const { caller } = await openSession();
    const { response } = await register(caller, 'passkey', passkey());
    await expect(h.services.enrolment.verifyRegistration(caller, 'passkey', response)).rejects.toEqual(refusal('challenge_missing'));
    await h.services.enrolment.registrationOptions(caller, 'passkey');
    await expect(h.services.enrolment.verifyRegistration(caller, 'passkey', response)).rejects.toMatchObject({
      code: 'verification_failed',
      message: 'challenge_mismatch',
    });
    await expect(h.services.enrolment.verifyRegistration(caller, 'passkey', response)).rejects.toEqual(refusal('challenge_missing'));
  });

  it('a challenge belongs to its factor and to the ceremony timeout', async () => {
    const { caller } = await openSession();
    const options = await h.services.enrolment.registrationOptions(caller, 'passkey');
    const response = passkey().create(options, { origin: TEST_ORIGIN });
    await expect(h.services.enrolment.verifyRegistration(caller, 'security-key', response)).rejects.toEqual(refusal('challenge_missing'));
    const again = await h.services.enrolment.registrationOptions(caller, 'passkey');
    h.clock.advance(h.config.ceremonyTimeoutMs / 1000);
    await expect(
      h.services.enrolment.verifyRegistration(caller, 'passkey', passkey().create(again, { origin: TEST_ORIGIN })),
    ).rejects.toEqual(refusal('challenge_missing'));
  });

  it('nothing registered, nothing to complete', async () => {
    const { caller } = await openSession();
    await expect(h.services.enrolment.complete(caller)).rejects.toEqual(refusal('nothing_registered'));
  });

  it('end() discards what the session registered and closes it', async () => {
    const { caller } = await openSession();
    await register(caller, 'security-key', securityKey());
    expect(await credentialsOf('ada.new')).toHaveLength(1);
    await h.services.enrolment.end(caller);
    expect(await credentialsOf('ada.new')).toHaveLength(0);
    await expect(h.services.enrolment.getSession(caller)).rejects.toEqual(refusal('session_invalid'));
    await expect(h.services.enrolment.complete(caller)).rejects.toEqual(refusal('session_invalid'));
    await h.services.enrolment.end(caller); // idempotent
  });

  it('an enrolled authenticator is excluded next time, and cannot be registered twice', async () => {
    const first = await openSession();
    const key = securityKey();
    const { credential } = await register(first.caller, 'security-key', key);
    await h.services.enrolment.complete(first.caller);
    await expect(h.services.accounts.issueCode('ada.new', 'test')).rejects.toMatchObject({ code: 'already_enrolled' });

    // Next time is a session opened with that key, to add another.
    const { ceremonyId, options: signIn } = await h.services.authentication.options('ada.new', 'manage', TEST_JKT);
    const assertion = key.get(signIn, { origin: TEST_ORIGIN });
    const second = {
      caller: callerOf(
        (await h.services.authentication.openSession({ ceremonyId, response: assertion, device: TEST_DEVICE }, TEST_JKT)).token,
      ),
    };
    const options = await h.services.enrolment.registrationOptions(second.caller, 'security-key');
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual([credential.id]);
    expect(() => key.create(options, { origin: TEST_ORIGIN })).toThrow(CredentialExcludedError);
    const clone = securityKey().create(options, { origin: TEST_ORIGIN, credentialId: fromB64url(credential.id) });
    await expect(h.services.enrolment.verifyRegistration(second.caller, 'security-key', clone)).rejects.toEqual(
      refusal('credential_exists'),
    );
  });

  it('a contractor (limit 2) whose two enrolments were interrupted after the key touch enrols the third time, no restart', async () => {
    // Contractors may not use synced passkeys (default policy): a device-bound one.
    const boundPasskey = () => new SoftAuthenticator({ attachment: 'platform', userVerified: true });
    await h.services.accounts.createUser({ username: 'cy.temp', displayName: 'Cy', employmentType: 'contractor' }, 'test');
    for (let i = 0; i < 2; i++) {
      const interrupted = await openSession('cy.temp');
      await register(interrupted.caller, 'passkey', boundPasskey());
      await register(interrupted.caller, 'passkey', boundPasskey());
      // The app closes after the touch: the session idles out, nobody calls complete or end.
      h.clock.advance(h.config.sessionIdleSeconds);
    }
    const third = await openSession('cy.temp');
    const first = await register(third.caller, 'passkey', boundPasskey());
    expect(first.options.excludeCredentials ?? []).toEqual([]);
    await register(third.caller, 'passkey', boundPasskey());
    await h.services.enrolment.complete(third.caller);
    expect((await credentialsOf('cy.temp')).map((c) => c.status)).toEqual(['active', 'active']);
  });

  it('sweepExpired removes factors left pending by expired sessions, and only those', async () => {
    const abandoned = await openSession();
    await register(abandoned.caller, 'passkey', passkey());
    // The app closed after the touch: the session idles out with its factor pending.
    h.clock.advance(h.config.sessionIdleSeconds);
    expect(await sweepAbandonedFactors(h)).toBe(1);
    // A live session's pending factor stays, and completes.
    const live = await openSession();
    await register(live.caller, 'passkey', passkey());
    expect(await sweepAbandonedFactors(h)).toBe(0);
    await h.services.enrolment.complete(live.caller);
    expect((await credentialsOf('ada.new')).map((c) => c.status)).toEqual(['active']);
  });
});

describe('audit trail', () => {
  async function fullFlow() {
    const { caller } = await openSession();
    await register(caller, 'passkey', passkey());
    await h.services.enrolment.complete(caller);
  }

  it('records the flow in a hash chain that verifies', async () => {
    await fullFlow();
    const events = await h.db.selectFrom('audit_events').select('event').orderBy('seq').execute();
    expect(events.map((e) => e.event)).toEqual([
      'user.created',
      'code.issued',
      'device.seen',
      'session.opened',
      'factor.registered',
      'session.completed',
      'device.bound',
      'recovery.codes_issued',
    ]);
    expect(await verifyAuditChain(h.db)).toBeNull();
  });

  it('the database itself refuses UPDATE and DELETE on audit events', async () => {
    await fullFlow();
    await expect(h.db.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
    await expect(h.db.deleteFrom('audit_events').where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
    expect(await verifyAuditChain(h.db)).toBeNull();
  });

  async function dropTriggers() {
    // Someone with the database file can drop the triggers; the chain still tells.
    if (TEST_DATABASE === 'postgres') {
      await sql`DROP TRIGGER audit_events_append_only ON audit_events`.execute(h.db);
      return;
    }
    await sql`DROP TRIGGER audit_no_update`.execute(h.db);
    await sql`DROP TRIGGER audit_no_delete`.execute(h.db);
  }

  it('detects an edited row', async () => {
    await fullFlow();
    await dropTriggers();
    await h.db.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
    expect(await verifyAuditChain(h.db)).toBe(3);
  });

  it('detects a removed row', async () => {
    await fullFlow();
    await dropTriggers();
    await h.db.deleteFrom('audit_events').where('seq', '=', 2).execute();
    expect(await verifyAuditChain(h.db)).toBe(3);
  });

  it('detects a row appended around the code, even one that links to the last hash', async () => {
    await fullFlow();
    const last = await h.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    await h.db
      .insertInto('audit_events')
      .values({
        at: h.clock.now().toISOString(),
        event: 'factor.activated',
        actor: 'mallory',
        user_id: null,
        details: '{}',
        prev_hash: last.hash,
        hash: sha256('forged'),
      })
      .execute();
    expect(await verifyAuditChain(h.db)).toBe(last.seq + 1);
  });
});
