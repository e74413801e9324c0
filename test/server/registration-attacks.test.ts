import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import type { RegistrationResponseJSON } from '../../api/webauthn.js';
import type { FactorKind } from '../../api/enrolment.js';
import {
  buildCreationOptions,
  SUPPORTED_ALGORITHMS,
  verifyRegistration,
  type FactorRequirements,
} from '../../server/webauthn/registration.js';
import { encodeCbor } from '../support/cbor.js';
import { b64url, fromB64url, SoftAuthenticator, type CreateInput } from '../support/soft-authenticator.js';

/**
 * What an attacker sends as a registration: a response that fails one relying-party check, or
 * one whose client-supplied strings (clientData type, attestation format) quote the library's
 * own messages so that a loosely matched message would file the refusal under the wrong check.
 */

const RP_ID = 'enrol.test.example';
const ORIGIN = `https://${RP_ID}`;
const PASSKEY: FactorRequirements = { attachment: 'platform', residentKey: 'required', userVerification: 'required', attestation: 'none' };
const SECURITY_KEY: FactorRequirements = {
  attachment: 'cross-platform',
  residentKey: 'discouraged',
  userVerification: 'preferred',
  attestation: 'direct',
};

async function options(factor: FactorKind = 'passkey', excludeCredentialIds: string[] = []) {
  return buildCreationOptions({
    rpId: RP_ID,
    rpName: 'FirstKey test',
    user: { id: 'user-ada', username: 'ada', displayName: 'Ada Lovelace' },
    factor,
    requirements: factor === 'passkey' ? PASSKEY : SECURITY_KEY,
    excludeCredentialIds,
    timeoutMs: 120_000,
  });
}

async function attempt(input: Partial<CreateInput> = {}, authenticator = new SoftAuthenticator({ attachment: 'platform' })) {
  const opts = await options();
  const response = authenticator.create(opts, { origin: ORIGIN, ...input });
  return verifyRegistration({
    response,
    expectedChallenge: opts.challenge,
    expectedOrigins: [ORIGIN],
    expectedRpId: RP_ID,
    requireUserVerification: true,
  });
}

/** The same response with its attestation format replaced by `fmt`: a string the client controls. */
function withFormat(response: RegistrationResponseJSON, fmt: string): RegistrationResponseJSON {
  const decoded = decodeAttestationObject(new Uint8Array(fromB64url(response.response.attestationObject)));
  const attestationObject = encodeCbor(
    new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
      ['fmt', fmt],
      ['attStmt', new Map()],
      ['authData', decoded.get('authData')],
    ]),
  );
  return { ...response, response: { ...response.response, attestationObject: b64url(attestationObject) } };
}

describe('registration options', () => {
  it('asks for exactly what the policy decided, and excludes what the user already has', async () => {
    const passkey = await options('passkey', ['AAAA', 'BBBB']);
    expect(passkey).toMatchObject({
      rp: { id: RP_ID, name: 'FirstKey test' },
      user: { name: 'ada', displayName: 'Ada Lovelace', id: b64url(new TextEncoder().encode('user-ada')) },
      timeout: 120_000,
      attestation: 'none',
      authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'required', userVerification: 'required' },
      hints: ['client-device'],
    });
    expect(passkey.excludeCredentials?.map((c) => c.id)).toEqual(['AAAA', 'BBBB']);
    expect(passkey.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -8, -257]);
    expect(SUPPORTED_ALGORITHMS).toEqual([-7, -8, -257]);
    const key = await options('security-key');
    expect(key).toMatchObject({
      attestation: 'direct',
      authenticatorSelection: { authenticatorAttachment: 'cross-platform', residentKey: 'discouraged', userVerification: 'preferred' },
      hints: ['security-key'],
    });
    expect(key.excludeCredentials).toEqual([]);
    expect(key.challenge).not.toBe(passkey.challenge);
  });
});

describe('registrations an attacker sends', () => {
  it('accepts an honest passkey and reports what it verified', async () => {
    const outcome = await attempt({}, new SoftAuthenticator({ attachment: 'platform', backupEligible: true, backedUp: true }));
    expect(outcome).toMatchObject({
      ok: true,
      credential: {
        counter: 0,
        transports: ['internal'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        attestationFormat: 'none',
        userVerified: true,
        backupEligible: true,
        backedUp: true,
      },
    });
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.credential.credentialId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(outcome.credential.publicKey.length).toBeGreaterThan(60);
    expect(outcome.credential.attestationObject.length).toBeGreaterThan(100);
    // A client that reports no transports at all gets none recorded, not a made-up one.
    const opts = await options();
    const bare = new SoftAuthenticator({ attachment: 'platform' }).create(opts, { origin: ORIGIN });
    const withoutTransports: RegistrationResponseJSON = { ...bare, response: { ...bare.response } };
    delete withoutTransports.response.transports;
    const noTransports = await verifyRegistration({
      response: withoutTransports,
      expectedChallenge: opts.challenge,
      expectedOrigins: [ORIGIN],
      expectedRpId: RP_ID,
      requireUserVerification: true,
    });
    expect(noTransports).toMatchObject({ ok: true, credential: { transports: [] } });
    const deviceBound = await attempt({}, new SoftAuthenticator({ attachment: 'cross-platform', transports: [] }));
    expect(deviceBound).toMatchObject({ ok: true, credential: { backupEligible: false, backedUp: false, transports: [] } });
  });

  it('names each failed check', async () => {
    const cases: [Partial<CreateInput>, string][] = [
      [{ challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'challenge_mismatch'],
      [{ origin: 'https://evil.example' }, 'origin_mismatch'],
      [{ rpId: 'evil.example' }, 'rp_id_mismatch'],
      [{ flags: { userVerified: false } }, 'user_verification_missing'],
      [{ flags: { userPresent: false } }, 'user_presence_missing'],
      [{ type: 'webauthn.get' }, 'malformed'],
    ];
    for (const [input, reason] of cases) expect(await attempt(input), reason).toMatchObject({ ok: false, reason });
  });

  it('a packed attestation whose signature does not verify is refused as untrusted attestation (the verified: false branch)', async () => {
    const outcome = await attempt({ attestation: 'packed', corruptSignature: true });
    expect(outcome).toEqual({ ok: false, reason: 'attestation_invalid', detail: 'signature did not verify' });
    expect(await attempt({ attestation: 'packed' })).toMatchObject({ ok: true, credential: { attestationFormat: 'packed' } });
  });

  it('an algorithm outside the allow-list is refused as such', async () => {
    const opts = await options();
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(opts, { origin: ORIGIN });
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: opts.challenge,
      expectedOrigins: [ORIGIN],
      expectedRpId: RP_ID,
      requireUserVerification: false,
      supportedAlgorithms: [-8],
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'unsupported_algorithm' });
  });

  it('a clientData type that quotes another check\'s message is still "malformed": the classifying patterns are anchored', async () => {
    const quotes = [
      'Unexpected registration response challenge',
      'Custom challenge verifier',
      'Unexpected registration response origin',
      'Unexpected RP ID hash',
      'User verification was required',
      'User presence was required',
      'Unexpected public key alg',
    ];
    for (const quote of quotes) {
      const outcome = await attempt({ type: quote });
      expect(outcome, quote).toMatchObject({ ok: false, reason: 'malformed' });
      if (!outcome.ok) expect(outcome.detail).toBe(`Unexpected registration response type: ${quote}`);
    }
  });

  it("an attestation format that quotes a check's message is an untrusted attestation, not that check", async () => {
    const opts = await options();
    const honest = new SoftAuthenticator({ attachment: 'platform' }).create(opts, { origin: ORIGIN });
    const quotes = [
      'Unexpected registration response challenge',
      'Custom challenge verifier',
      'Unexpected registration response origin',
      'Unexpected RP ID hash',
      'User verification was required',
      'User presence was required',
      'Unexpected public key alg',
      'Unexpected registration response type',
      'x',
    ];
    for (const quote of quotes) {
      const outcome = await verifyRegistration({
        response: withFormat(honest, quote),
        expectedChallenge: opts.challenge,
        expectedOrigins: [ORIGIN],
        expectedRpId: RP_ID,
        requireUserVerification: true,
      });
      expect(outcome, quote).toEqual({ ok: false, reason: 'attestation_invalid', detail: `Unsupported Attestation Format: ${quote}` });
    }
  });

  it('an attestation object that is a bare CBOR integer instead of a map is malformed', async () => {
    const opts = await options();
    const honest = new SoftAuthenticator({ attachment: 'platform' }).create(opts, { origin: ORIGIN });
    const broken = { ...honest, response: { ...honest.response, attestationObject: b64url(Uint8Array.of(0x01)) } };
    const outcome = await verifyRegistration({
      response: broken,
      expectedChallenge: opts.challenge,
      expectedOrigins: [ORIGIN],
      expectedRpId: RP_ID,
      requireUserVerification: true,
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('garbage is "malformed", not an untrusted attestation: bytes that are not CBOR, client data that is not JSON', async () => {
    const opts = await options();
    const honest = new SoftAuthenticator({ attachment: 'platform' }).create(opts, { origin: ORIGIN });
    const check = (response: RegistrationResponseJSON) =>
      verifyRegistration({
        response,
        expectedChallenge: opts.challenge,
        expectedOrigins: [ORIGIN],
        expectedRpId: RP_ID,
        requireUserVerification: true,
      });
    const notCbor = { ...honest, response: { ...honest.response, attestationObject: b64url(Uint8Array.of(0xff, 0xff, 0xff)) } };
    expect(await check(notCbor)).toMatchObject({ ok: false, reason: 'malformed' });
    const notJson = { ...honest, response: { ...honest.response, clientDataJSON: b64url(new TextEncoder().encode('{"type": webauthn')) } };
    expect(await check(notJson)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
