import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreationOptionsJSON, RegistrationResponseJSON } from '../../api/webauthn.js';
import { parseMetadataBlob, type MetadataCatalogue } from '../../server/attestation/mds-blob.js';
import { createAttestationJudge } from '../../server/attestation/trust.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyStore } from '../../server/policy/store.js';
import type { StartOptions } from '../../server/start.js';
import { Api, Device, expectAnswer, expectRefusal, securityKey } from '../support/api-harness.js';
import { createMdsWorld, daysFrom, TEST_NOW, type MdsWorld } from '../support/make-mds-blob.js';
import { TEST_ORIGIN } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { confirmed, newHire, openAt, operator, registeredStation } from './kiosk-support.js';

/**
 * Issue 12, "Security keys only", attestation: a kiosk session asks for the authenticator's
 * attestation statement, and a statement only a platform authenticator makes (TPM, Apple, Android),
 * or an AAGUID the metadata describes as built in, is refused even when the response hides the
 * attachment, the transports and the backup flags.
 */

/** Windows Hello's AAGUID; the response says nothing else about where it lives. */
const WINDOWS_HELLO = '08987058-cadc-4b81-b6e1-30de50dcbe96';
const helloLike = () => new SoftAuthenticator({ aaguid: WINDOWS_HELLO, transports: [], userVerified: true });

type CborValue = Parameters<typeof isoCBOR.encode>[0];

/** The same credential, its attestation object re-labelled as a platform format (the statement's content does not matter for the refusal). */
function relabelled(response: RegistrationResponseJSON, fmt: string): RegistrationResponseJSON {
  const object = isoCBOR.decodeFirst<Map<string, CborValue>>(new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url')));
  object.set('fmt', fmt);
  object.set('attStmt', new Map<string, CborValue>([['ver', '2.0']]));
  return {
    ...response,
    response: { ...response.response, attestationObject: Buffer.from(isoCBOR.encode(object)).toString('base64url') },
  };
}

let world: MdsWorld;
let catalogue: MetadataCatalogue;
beforeAll(async () => {
  world = createMdsWorld();
  // A signed BLOB whose Windows Hello entry says what the real one does: attachmentHint internal.
  const entry = (aaguid: string, description: string, attachmentHint: string[]) => ({
    aaguid,
    metadataStatement: {
      legalHeader: 'test',
      aaguid,
      description,
      authenticatorVersion: 1,
      protocolFamily: 'fido2',
      schema: 3,
      attestationRootCertificates: [],
      attachmentHint,
    },
    statusReports: [{ status: 'FIDO_CERTIFIED' }],
    timeOfLastStatusChange: '2025-03-01',
  });
  const blob = await world.makeBlob({
    rawPayload: {
      no: 1,
      nextUpdate: daysFrom(TEST_NOW, 30),
      entries: [
        entry(WINDOWS_HELLO, 'Windows Hello', ['internal']),
        entry('cb69481e-8ff7-4039-93ec-0a2729a154a8', 'A USB and NFC key', ['external', 'wired', 'nfc']),
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

/** The server with the operator's metadata loaded (the judge the server builds from FIRSTKEY_MDS_BLOB_FILE). */
async function withMetadata(): Promise<Api> {
  const options = {
    policy: PolicyStore.fixed(DEFAULT_POLICY),
    attestation: createAttestationJudge({ catalogue: () => catalogue, clock: { now: () => TEST_NOW } }),
  } satisfies StartOptions;
  // Admins fall in the privileged tier, whose keys need a trusted chain: the operators here are the onboarding team.
  return Api.start({ kioskOperatorRoles: ['onboarding'] }, options);
}

async function kioskOptions(server: Api): Promise<{ station: Device; token: string; username: string; options: CreationOptionsJSON }> {
  const { station } = await registeredStation(server);
  const hire = await newHire(server);
  const confirmation = await confirmed(station, await operator(server, 'onboarding'), hire.username);
  const { token } = expectAnswer('openSession', await openAt(station, hire.code, confirmation.id));
  const { options } = expectAnswer(
    'registrationOptions',
    await station.call('registrationOptions', { token, body: { factor: 'security-key' } }),
  );
  return { station, token, username: hire.username, options };
}

describe('Security keys only: attestation at a kiosk', () => {
  it('a kiosk session asks for direct attestation even where the tier asks for none; an ordinary computer does not', async () => {
    api = await withMetadata();
    const { options } = await kioskOptions(api);
    expect(options.attestation).toBe('direct');
    const laptop = await api.device();
    const hire = await newHire(api);
    const token = await laptop.openEnrolment(hire.code);
    const ordinary = expectAnswer(
      'registrationOptions',
      await laptop.call('registrationOptions', { token, body: { factor: 'security-key' } }),
    );
    expect(ordinary.options.attestation).toBe('none');
  });

  it.each(['tpm', 'apple', 'android-key', 'android-safetynet'])(
    'a Windows-Hello-like credential (no transports, BE=0) with a %s statement is refused and nothing is kept',
    async (fmt) => {
      api = await withMetadata();
      const { station, token, username, options } = await kioskOptions(api);
      const response = relabelled(helloLike().create(options, { origin: TEST_ORIGIN }), fmt);
      expectRefusal(
        await station.call('verifyRegistration', { token, body: { factor: 'security-key', response } }),
        403,
        'kiosk_security_key_only',
      );
      expect((await api.auditOf(username)).find((e) => e.event === 'kiosk.factor_refused')?.details).toMatchObject({
        reason: `${fmt}_attestation`,
      });
      expect(
        await api.db.selectFrom('credentials').select('id').where('factor', '=', 'security-key').where('status', '=', 'pending').execute(),
      ).toEqual([]);
    },
  );

  it('the same credential with a packed self statement is refused because the metadata says Windows Hello is built in', async () => {
    api = await withMetadata();
    const { station, token, username, options } = await kioskOptions(api);
    const response = new SoftAuthenticator({ aaguid: WINDOWS_HELLO, transports: [], userVerified: true, attestation: 'packed' }).create(
      options,
      { origin: TEST_ORIGIN },
    );
    expectRefusal(
      await station.call('verifyRegistration', { token, body: { factor: 'security-key', response } }),
      403,
      'kiosk_security_key_only',
    );
    expect((await api.auditOf(username)).find((e) => e.event === 'kiosk.factor_refused')?.details).toMatchObject({
      reason: 'platform_authenticator_model',
      aaguid: WINDOWS_HELLO,
    });
  });

  it('a packed USB key whose metadata says external registers; so does a key that sends no statement (none)', async () => {
    api = await withMetadata();
    const first = await kioskOptions(api);
    const packed = securityKey().create(first.options, { origin: TEST_ORIGIN });
    expectAnswer(
      'verifyRegistration',
      await first.station.call('verifyRegistration', { token: first.token, body: { factor: 'security-key', response: packed } }),
    );

    // The limit, said in the README: a platform credential that sends 'none', no transports, no
    // attachment, BE=0 and an AAGUID the metadata does not know looks exactly like a security key.
    const second = await kioskOptions(api);
    const hidden = new SoftAuthenticator({ transports: [], userVerified: true }).create(second.options, { origin: TEST_ORIGIN });
    expectAnswer(
      'verifyRegistration',
      await second.station.call('verifyRegistration', { token: second.token, body: { factor: 'security-key', response: hidden } }),
    );
  });

  it('a Windows Hello statement registered as a "security key" on an ordinary computer is refused too (not_a_security_key)', async () => {
    api = await withMetadata();
    const laptop = await api.device();
    const hire = await newHire(api);
    const token = await laptop.openEnrolment(hire.code);
    const { options } = expectAnswer(
      'registrationOptions',
      await laptop.call('registrationOptions', { token, body: { factor: 'security-key' } }),
    );
    const response = relabelled(helloLike().create(options, { origin: TEST_ORIGIN }), 'tpm');
    expectRefusal(
      await laptop.call('verifyRegistration', { token, body: { factor: 'security-key', response } }),
      403,
      'not_a_security_key',
    );
  });
});
