import { describe, expect, it } from 'vitest';
import type { AuthenticationResponseJSON } from '../../api/webauthn.js';
import { buildRequestOptions, verifyAuthentication, type StoredCredential } from '../../server/webauthn/authentication.js';
import { verifyRegistration } from '../../server/webauthn/registration.js';
import { SoftAuthenticator, type GetInput } from '../support/soft-authenticator.js';

/**
 * What an attacker sends as an assertion: one whose client-supplied clientData type quotes the
 * library's own messages (so a loosely matched message would be filed under the wrong check),
 * an assertion for another credential, or a user handle that is not the credential's.
 */

const RP_ID = 'enrol.test.example';
const ORIGIN = `https://${RP_ID}`;

async function enrolled(transports: string[] = ['usb']) {
  const authenticator = new SoftAuthenticator({ attachment: 'cross-platform', userVerified: true });
  const creation = {
    rp: { id: RP_ID, name: 'test' },
    user: { id: 'dXNlcg', name: 'user', displayName: 'User' },
    challenge: 'Y2hhbGxlbmdl',
    pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
  };
  const verified = await verifyRegistration({
    response: authenticator.create(creation, { origin: ORIGIN }),
    expectedChallenge: creation.challenge,
    expectedOrigins: [ORIGIN],
    expectedRpId: RP_ID,
    requireUserVerification: false,
  });
  if (!verified.ok) throw new Error(verified.reason);
  const stored: StoredCredential = {
    id: verified.credential.credentialId,
    publicKey: verified.credential.publicKey,
    counter: 0,
    transports,
  };
  return { authenticator, stored };
}

async function assert(input: Partial<GetInput> = {}, tamper?: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON) {
  const { authenticator, stored } = await enrolled();
  const options = await buildRequestOptions({ rpId: RP_ID, allowCredentials: [stored], userVerification: 'required', timeoutMs: 60_000 });
  const response = authenticator.get(options, { origin: ORIGIN, ...input });
  return verifyAuthentication({
    response: tamper ? tamper(response) : response,
    expectedChallenge: options.challenge,
    expectedOrigins: [ORIGIN],
    expectedRpId: RP_ID,
    credential: stored,
    requireUserVerification: true,
  });
}

describe('assertions an attacker sends', () => {
  it('a clientData type that quotes another check\'s message is "malformed": the classifying patterns are anchored', async () => {
    for (const quote of [
      'Unexpected authentication response challenge',
      'Custom challenge verifier',
      'Unexpected authentication response origin',
      'Unexpected RP ID hash',
      'User not present',
      'User verification required',
      'Response counter value',
    ]) {
      expect(await assert({ type: quote }), quote).toEqual({
        ok: false,
        reason: 'malformed',
        detail: `Unexpected authentication response type: ${quote}`,
      });
    }
  });

  it('an assertion for another credential than the stored one is refused before any check runs', async () => {
    expect(await assert({}, (r) => ({ ...r, id: 'b3RoZXI', rawId: 'b3RoZXI' }))).toEqual({
      ok: false,
      reason: 'malformed',
      detail: 'the assertion is for another credential',
    });
  });

  it('accepts an honest assertion with or without a user handle, and reports what it verified', async () => {
    expect(await assert()).toEqual({
      ok: true,
      assertion: { credentialId: expect.any(String) as unknown, newCounter: 0, userVerified: true, backupEligible: false, backedUp: false },
    });
    expect(await assert({ omitUserHandle: true })).toMatchObject({ ok: true });
    expect(await assert({}, (r) => ({ ...r, response: { ...r.response, userHandle: null } }))).toMatchObject({ ok: true });
  });

  it('a forged signature is refused as such (the verified: false branch)', async () => {
    expect(await assert({ corruptSignature: true })).toEqual({
      ok: false,
      reason: 'signature_invalid',
      detail: 'signature did not verify',
    });
  });

  it('names the missing user verification when the policy requires it', async () => {
    expect(await assert({ flags: { userVerified: false } })).toMatchObject({ ok: false, reason: 'user_verification_missing' });
  });

  it('offers only the transports the contract knows, and what the policy asks of user verification', async () => {
    const { stored } = await enrolled(['usb', 'nfc', 'smoke-signal', 'internal']);
    const options = await buildRequestOptions({
      rpId: RP_ID,
      allowCredentials: [stored],
      userVerification: 'preferred',
      timeoutMs: 30_000,
    });
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'preferred', timeout: 30_000 });
    expect(options.allowCredentials).toEqual([{ id: stored.id, type: 'public-key', transports: ['usb', 'nfc', 'internal'] }]);
  });
});
