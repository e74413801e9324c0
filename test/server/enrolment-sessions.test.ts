import { describe, expect, it } from 'vitest';
import { sweepAbandonedFactors } from '../../server/enrolment/sweeper.js';
import { callerOf, TEST_DEVICE, TEST_JKT, TEST_ORIGIN } from '../support/service-harness.js';
import { CredentialExcludedError, fromB64url, SoftAuthenticator, type CreateInput } from '../support/soft-authenticator.js';
import {
  credentialsOf,
  h,
  openSession,
  passkey,
  refusal,
  register,
  restartService,
  securityKey,
  useEnrolmentService,
} from './enrolment-support.js';

/** An enrolment session once a code opened it: its lifetime, its binding to the device key, and the factors registered in it. */

useEnrolmentService();

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
    await restartService({ sessionIdleSeconds: 120 });
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
