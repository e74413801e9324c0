import { describe, expect, it } from 'vitest';
import type { AuthenticationResponseJSON } from '../../api/webauthn.js';
import { buildRequestOptions, verifyAuthentication, type StoredCredential } from '../../server/webauthn/authentication.js';
import { verifyRegistration } from '../../server/webauthn/registration.js';
import { TEST_ORIGIN, TEST_RP_ID } from '../support/service-harness.js';
import { SoftAuthenticator, type GetInput } from '../support/soft-authenticator.js';

/**
 * server/webauthn/authentication.ts on its own: request options, and every relying-party check of
 * an assertion (WebAuthn L3 section 7.2) as a typed outcome, against a software authenticator.
 */
async function enrolled(settings: ConstructorParameters<typeof SoftAuthenticator>[0] = {}) {
  const authenticator = new SoftAuthenticator({ attachment: 'cross-platform', userVerified: true, ...settings });
  const creation = {
    rp: { id: TEST_RP_ID, name: 'test' },
    user: { id: 'dXNlcg', name: 'user', displayName: 'User' },
    challenge: 'Y2hhbGxlbmdl',
    pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
  };
  const registration = authenticator.create(creation, { origin: TEST_ORIGIN });
  const verified = await verifyRegistration({
    response: registration,
    expectedChallenge: creation.challenge,
    expectedOrigins: [TEST_ORIGIN],
    expectedRpId: TEST_RP_ID,
    requireUserVerification: false,
  });
  if (!verified.ok) throw new Error(verified.reason);
  const stored: StoredCredential = {
    id: verified.credential.credentialId,
    publicKey: verified.credential.publicKey,
    counter: verified.credential.counter,
    transports: ['usb'],
  };
  return { authenticator, stored };
}

async function check(
  input: Partial<GetInput> = {},
  opts: {
    requireUserVerification?: boolean;
    counter?: number;
    tamper?: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON;
    signCount?: number;
  } = {},
) {
  const { authenticator, stored } = await enrolled({ signCount: opts.signCount ?? 0 });
  const options = await buildRequestOptions({
    rpId: TEST_RP_ID,
    allowCredentials: [stored],
    userVerification: 'preferred',
    timeoutMs: 60_000,
  });
  const response = authenticator.get(options, { origin: TEST_ORIGIN, ...input });
  return verifyAuthentication({
    response: opts.tamper ? opts.tamper(response) : response,
    expectedChallenge: options.challenge,
    expectedOrigins: [TEST_ORIGIN],
    expectedRpId: TEST_RP_ID,
    credential: { ...stored, counter: opts.counter ?? stored.counter },
    requireUserVerification: opts.requireUserVerification ?? false,
  });
}

describe('request options', () => {
  it('name the allowed credentials with the transports the contract knows, and the policy’s user verification', async () => {
    const options = await buildRequestOptions({
      rpId: TEST_RP_ID,
      allowCredentials: [{ id: 'AAAA', transports: ['usb', 'nfc', 'carrier-pigeon'] }],
      userVerification: 'required',
      timeoutMs: 90_000,
    });
    expect(options).toMatchObject({
      rpId: TEST_RP_ID,
      userVerification: 'required',
      timeout: 90_000,
      allowCredentials: [{ id: 'AAAA', type: 'public-key', transports: ['usb', 'nfc'] }],
    });
    expect(options.challenge.length).toBeGreaterThanOrEqual(43);
  });
});

describe('assertion verification', () => {
  it('accepts a good assertion and reports the new counter', async () => {
    const outcome = await check({}, { signCount: 7 });
    expect(outcome).toMatchObject({ ok: true, assertion: { newCounter: 8, userVerified: true } });
  });

  it.each([
    [{ challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'challenge_mismatch'],
    [{ origin: 'https://evil.example' }, 'origin_mismatch'],
    [{ rpId: 'evil.example' }, 'rp_id_mismatch'],
    [{ flags: { userPresent: false } }, 'user_presence_missing'],
    [{ type: 'webauthn.create' }, 'malformed'],
    [{ corruptSignature: true }, 'signature_invalid'],
  ] as [Partial<GetInput>, string][])('refuses %j as %s', async (input, reason) => {
    expect(await check(input)).toMatchObject({ ok: false, reason });
  });

  it('requires user verification only when told to', async () => {
    expect(await check({ flags: { userVerified: false } })).toMatchObject({ ok: true });
    expect(await check({ flags: { userVerified: false } }, { requireUserVerification: true })).toMatchObject({
      ok: false,
      reason: 'user_verification_missing',
    });
  });

  it('refuses a counter that did not go up (a cloned authenticator), but accepts a constant 0', async () => {
    expect(await check({ signCount: 5 }, { signCount: 5, counter: 5 })).toMatchObject({ ok: false, reason: 'counter_regression' });
    expect(await check({ signCount: 4 }, { signCount: 5, counter: 5 })).toMatchObject({ ok: false, reason: 'counter_regression' });
    expect(await check({}, { signCount: 0, counter: 0 })).toMatchObject({ ok: true, assertion: { newCounter: 0 } });
  });

  it('refuses an assertion made by another credential than the stored one', async () => {
    const outcome = await check({}, { tamper: (r) => ({ ...r, id: 'b3RoZXI', rawId: 'b3RoZXI' }) });
    expect(outcome).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
