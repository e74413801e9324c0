import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrationResponseJSON } from '../../api/webauthn.js';
import { loadAttestationTrust } from '../../server/attestation/setup.js';
import { verifyRegistration } from '../../server/webauthn/registration.js';
import { encodeCbor, type CborValue } from '../support/cbor.js';
import { decodeCanonical, type Decoded } from '../support/ctap2/cbor.js';
import { ClientPinSubcommand, CtapCommand, Permission, SoftHidBus, SoftSecurityKey, Status, statusName } from '../support/ctap2/index.js';
import { encapsulate, pinProtocol } from '../support/ctap2/pin-protocol.js';
import { RawHost } from '../support/ctap2/raw-host.js';
import { TEST_ORIGIN, TEST_RP_ID, testConfig } from '../support/service-harness.js';
import { TestClock } from '../support/test-clock.js';

/**
 * Issue 11, "Where policy requires attestation, the key's real attestation goes through unchanged":
 * what the software key attests is accepted by the server's own verification (WebAuthn's packed
 * checks in server/webauthn/registration.ts) and chains, through the server's attestation trust as
 * the operator configures it (FIRSTKEY_ATTESTATION_ANCHORS), to the key's test CA, and to nothing else.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'firstkey-soft-key-anchor-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => new Uint8Array(createHash('sha256').update(data).digest());

/** A registration as a platform would make it with this key: clientDataJSON, its hash to the key, the answer into RegistrationResponseJSON. */
async function register(key: SoftSecurityKey, pin?: string): Promise<{ response: RegistrationResponseJSON; challenge: string }> {
  const bus = new SoftHidBus();
  const host = await RawHost.open(bus, bus.plug(key).path);
  try {
    const cid = await host.allocate();
    const challenge = b64url(new Uint8Array(randomBytes(32)));
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge, origin: TEST_ORIGIN, crossOrigin: false });
    const clientDataHash = sha256(clientDataJSON);
    const params = new Map<number, CborValue>([
      [1, clientDataHash],
      [
        2,
        new Map([
          ['id', TEST_RP_ID],
          ['name', 'FirstKey test'],
        ]),
      ],
      [
        3,
        new Map<string, CborValue>([
          ['id', new TextEncoder().encode('user-1')],
          ['name', 'ada'],
          ['displayName', 'Ada'],
        ]),
      ],
      [
        4,
        [
          new Map<string, CborValue>([
            ['alg', -7],
            ['type', 'public-key'],
          ]),
        ],
      ],
    ]);
    if (pin !== undefined) {
      const protocol = pinProtocol(2);
      const agreement = await host.cbor(
        cid,
        CtapCommand.clientPIN,
        new Map([
          [1, 2],
          [2, ClientPinSubcommand.getKeyAgreement],
        ]),
      );
      const { keyAgreement, shared } = encapsulate(protocol, agreement.body?.get(1));
      const answer = await host.cbor(
        cid,
        CtapCommand.clientPIN,
        new Map<number, CborValue>([
          [1, 2],
          [2, ClientPinSubcommand.getPinUvAuthTokenUsingPinWithPermissions],
          [3, keyAgreement],
          [6, protocol.encrypt(shared, sha256(pin).slice(0, 16))],
          [9, Permission.mc],
          [10, TEST_RP_ID],
        ]),
      );
      expect(statusName(answer.status)).toBe('CTAP2_OK');
      const token = protocol.decrypt(shared, answer.body?.get(2) as Uint8Array);
      params.set(8, protocol.authenticate(token, clientDataHash));
      params.set(9, 2);
    }
    const made = await host.cbor(cid, CtapCommand.makeCredential, params);
    expect(made.status).toBe(Status.CTAP2_OK);
    const body = made.body as Map<number, Decoded>;
    const authData = body.get(2) as Uint8Array;
    // WebAuthn's attestation object: the same three values under text keys, in this order.
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ['fmt', body.get(1) as string],
        ['attStmt', body.get(3) as Map<string, CborValue>],
        ['authData', authData],
      ]),
    );
    const idLength = ((authData[53] ?? 0) << 8) | (authData[54] ?? 0);
    const id = b64url(authData.slice(55, 55 + idLength));
    return {
      challenge,
      response: {
        id,
        rawId: id,
        type: 'public-key',
        response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['usb'] },
        clientExtensionResults: {},
        authenticatorAttachment: 'cross-platform',
      },
    };
  } finally {
    await host.close();
  }
}

async function judgeWith(anchorPems: string[]) {
  const files = anchorPems.map((pem, i) => {
    const file = join(dir, `anchor-${i}-${Date.now()}.pem`);
    writeFileSync(file, pem);
    return file;
  });
  return (await loadAttestationTrust(testConfig({ attestationAnchorFiles: files }), new TestClock())).judge;
}

describe("the software key's packed attestation and the server", () => {
  it('verifyRegistration accepts it (packed, the x5c signature, the AAGUID extension matching authData) with user verification from the PIN', async () => {
    const key = new SoftSecurityKey({ pin: '1234' });
    const { response, challenge } = await register(key, '1234');
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: [TEST_ORIGIN],
      expectedRpId: TEST_RP_ID,
      requireUserVerification: true,
    });
    if (!outcome.ok) throw new Error(`refused: ${outcome.reason} ${outcome.detail}`);
    expect(outcome.credential).toMatchObject({ attestationFormat: 'packed', aaguid: key.aaguid, userVerified: true });
  });

  it('the server trusts it when the operator names the test CA as an anchor, and only then', async () => {
    const key = new SoftSecurityKey();
    const { response, challenge } = await register(key);
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: [TEST_ORIGIN],
      expectedRpId: TEST_RP_ID,
      requireUserVerification: false,
    });
    if (!outcome.ok) throw new Error(`refused: ${outcome.reason} ${outcome.detail}`);
    const registration = outcome.credential;

    expect(await (await judgeWith([key.attestationRoot()]))(registration)).toMatchObject({ trusted: true, reason: 'chain_ok' });
    expect(await (await judgeWith([]))(registration)).toMatchObject({ trusted: false, reason: 'no_metadata' });
    // Another CA with the same shape does not vouch for it: the anchor is this CA's key, not its name.
    const { createMdsWorld } = await import('../support/make-mds-blob.js');
    const world = createMdsWorld();
    try {
      expect(await (await judgeWith([world.model.root.pem]))(registration)).toMatchObject({ trusted: false, reason: 'chain_broken' });
    } finally {
      world.cleanup();
    }
  });

  it("a key made with attestation 'none' proves nothing, even with the anchor configured", async () => {
    const key = new SoftSecurityKey({ attestation: 'none' });
    const { response, challenge } = await register(key);
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: [TEST_ORIGIN],
      expectedRpId: TEST_RP_ID,
      requireUserVerification: false,
    });
    if (!outcome.ok) throw new Error(`refused: ${outcome.reason} ${outcome.detail}`);
    const judge = await judgeWith([key.attestationRoot()]);
    expect(await judge(outcome.credential)).toMatchObject({
      trusted: false,
      reason: 'self_or_none',
    });
  });

  it("the attestation certificate has what WebAuthn's packed format asks (section 8.2.1), as openssl reads it", async () => {
    const key = new SoftSecurityKey();
    const { response } = await register(key);
    const object = decodeCanonical(new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url'))) as Map<string, Decoded>;
    const [der] = (object.get('attStmt') as Map<string, Decoded>).get('x5c') as Uint8Array[];
    const cert = Buffer.from(der ?? new Uint8Array(0));
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], {
      input: cert,
      encoding: 'utf8',
    });
    expect(text).toMatch(/Subject: C = AA, O = FirstKey Tests, OU = Authenticator Attestation, CN = \S/);
    expect(text).toMatch(/Version: 3 /);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    // id-fido-gen-ce-aaguid, not critical, an OCTET STRING of the 16 bytes authData names.
    expect(text).toMatch(/1\.3\.6\.1\.4\.1\.45724\.1\.1\.4:\s*\n\s+\.\.[0-9A-F.]/);
    expect(text).not.toMatch(/1\.3\.6\.1\.4\.1\.45724\.1\.1\.4: critical/);
    const extension = cert.indexOf(Buffer.from([0x04, 0x12, 0x04, 0x10]));
    expect(cert.subarray(extension + 4, extension + 20).toString('hex')).toBe(key.aaguid.replace(/-/g, ''));
  });

  it('a key without UV cannot satisfy a server that requires it', async () => {
    const key = new SoftSecurityKey({ uv: 'none' });
    const { response, challenge } = await register(key);
    const outcome = await verifyRegistration({
      response,
      expectedChallenge: challenge,
      expectedOrigins: [TEST_ORIGIN],
      expectedRpId: TEST_RP_ID,
      requireUserVerification: true,
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'user_verification_missing' });
  });
});
