import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMetadataBlob, type MetadataCatalogue } from '../../server/attestation/mds-blob.js';
import {
  assessAttestation,
  attestationChainFromObject,
  createAttestationJudge,
  ZERO_AAGUID,
  type AssessAttestationInput,
} from '../../server/attestation/trust.js';
import type { AttestationJudge } from '../../server/policy/evaluate.js';
import { encodeCbor } from '../support/cbor.js';
import { loadW3cVectors } from '../support/conformance-data.js';
import { aaguidBytes, authenticatorData, coseEc2PublicKey, es256KeyPair } from '../support/soft-authenticator.js';
import { createMdsWorld, TEST_NOW, type MdsWorld } from '../support/make-mds-blob.js';

let world: MdsWorld;
let catalogue: MetadataCatalogue;

beforeAll(() => {
  world = createMdsWorld();
  // Teardown registered by the hook that made the world, so it runs only if the world exists.
  return () => {
    world.cleanup();
  };
});

beforeAll(async () => {
  catalogue = await parseMetadataBlob(await world.makeBlob(), { root: world.fidoRoot.pem, now: TEST_NOW });
});

function input(overrides: Partial<AssessAttestationInput> = {}): AssessAttestationInput {
  return { fmt: 'packed', x5c: world.model.x5c, aaguid: world.model.aaguid, catalogue, now: TEST_NOW, ...overrides };
}

async function catalogueWith(options: Parameters<MdsWorld['makeBlob']>[0]): Promise<MetadataCatalogue> {
  return parseMetadataBlob(await world.makeBlob(options), { root: world.fidoRoot.pem, now: TEST_NOW });
}

/** An attestation object as an authenticator of the fake model would send it (signature not meaningful here). */
function attestationObject(fmt: string, attStmt: Record<string, Uint8Array | number | string | Uint8Array[]>, aaguid: string): Uint8Array {
  const { x, y } = es256KeyPair();
  const authData = authenticatorData({
    rpId: 'example.org',
    flags: {},
    signCount: 0,
    attested: { aaguid: aaguidBytes(aaguid), credentialId: new Uint8Array(16).fill(7), cosePublicKey: coseEc2PublicKey(x, y) },
  });
  return encodeCbor({ fmt, attStmt, authData });
}

describe('assessAttestation with metadata', () => {
  it('trusts a chain that reaches a root the metadata lists for the AAGUID, and names the model', () => {
    expect(assessAttestation(input())).toEqual({ trusted: true, reason: 'chain_ok', authenticatorName: 'Fake Key 5 NFC' });
  });

  it('accepts the anchor being an intermediate, as MDS3 statements allow', async () => {
    const withIntermediate = await catalogueWith({ entries: [{ ...world.modelEntry(), roots: [world.model.intermediate.der] }] });
    expect(assessAttestation(input({ catalogue: withIntermediate })).reason).toBe('chain_ok');
  });

  it('does not trust a chain missing its intermediate', () => {
    expect(assessAttestation(input({ x5c: [world.model.attestation.der] }))).toMatchObject({ trusted: false, reason: 'chain_broken' });
  });

  it("does not let one model's chain vouch for another model's AAGUID", async () => {
    const otherModel = '0d9b2e56-566b-c3f0-7c1d-a2b0d1f1e9a8';
    const both = await catalogueWith({
      entries: [world.modelEntry(), { aaguid: otherModel, description: 'Other Key', roots: [world.otherRoot.der], statusReports: [] }],
    });
    expect(assessAttestation(input({ aaguid: otherModel, catalogue: both }))).toEqual({
      trusted: false,
      reason: 'chain_broken',
      authenticatorName: 'Other Key',
    });
  });

  it('does not trust an expired attestation certificate, nor any chain once its certificates have lapsed', () => {
    expect(assessAttestation(input({ x5c: [world.expiredAttestation.der, world.model.intermediate.der] })).reason).toBe('chain_broken');
    expect(assessAttestation(input({ now: new Date('2041-01-01T00:00:00Z') })).reason).toBe('chain_broken');
  });

  it('does not accept a link issued by a certificate that is not a CA (basicConstraints)', () => {
    expect(assessAttestation(input({ x5c: world.issuedByLeafX5c }))).toMatchObject({ trusted: false, reason: 'chain_broken' });
    // The same certificate trusted directly as an anchor is fine: MDS3 allows the attestation certificate itself as anchor.
    const plainLeaf = world.issuedByLeafX5c[1];
    if (!plainLeaf) throw new Error('the world has no plain leaf');
    expect(
      assessAttestation(input({ x5c: [plainLeaf], catalogue: null, extraAnchors: [new X509Certificate(Buffer.from(plainLeaf))] })).reason,
    ).toBe('chain_ok');
  });

  it('does not trust bytes that are not certificates', () => {
    expect(assessAttestation(input({ x5c: [new Uint8Array([48, 3, 2, 1, 0])] })).reason).toBe('chain_broken');
  });

  it('gives no_metadata for an AAGUID the catalogue does not list, and when there is no catalogue', () => {
    expect(assessAttestation(input({ aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a' }))).toEqual({
      trusted: false,
      reason: 'no_metadata',
      authenticatorName: null,
    });
    expect(assessAttestation(input({ catalogue: null }))).toEqual({ trusted: false, reason: 'no_metadata', authenticatorName: null });
  });

  it('gives self_or_none for attestation none and packed self attestation, with the name for display', () => {
    expect(assessAttestation(input({ fmt: 'none', x5c: [] }))).toEqual({
      trusted: false,
      reason: 'self_or_none',
      authenticatorName: 'Fake Key 5 NFC',
    });
    expect(assessAttestation(input({ fmt: 'packed', x5c: [] })).reason).toBe('self_or_none');
  });
});

describe('compromised and unknown authenticators', () => {
  it('a compromised status makes a valid chain untrusted', async () => {
    const revoked = await catalogueWith({ modelStatus: { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2029-01-01' } });
    expect(assessAttestation(input({ catalogue: revoked }))).toEqual({
      trusted: false,
      reason: 'compromised',
      authenticatorName: 'Fake Key 5 NFC',
    });
    // An operator anchor does not override the metadata's report either.
    expect(assessAttestation(input({ catalogue: revoked, extraAnchors: [world.model.root.x509] })).reason).toBe('compromised');
    // Nor does leaving the attestation out.
    expect(assessAttestation(input({ catalogue: revoked, fmt: 'none', x5c: [] })).reason).toBe('compromised');
  });

  it('an all-zero AAGUID is never trusted, even with a chain to a configured anchor', () => {
    for (const aaguid of [ZERO_AAGUID, '00000000000000000000000000000000']) {
      expect(assessAttestation(input({ aaguid, extraAnchors: [world.model.root.x509] }))).toEqual({
        trusted: false,
        reason: 'zero_aaguid',
        authenticatorName: null,
      });
      expect(assessAttestation(input({ aaguid, fmt: 'none', x5c: [] })).reason).toBe('zero_aaguid');
    }
  });

  it('an AAGUID is compared in any case', () => {
    expect(assessAttestation(input({ aaguid: world.model.aaguid.toUpperCase() })).reason).toBe('chain_ok');
  });
});

describe('extra anchors configured by the operator', () => {
  it('trust a chain for an AAGUID the metadata does not list, with no name', () => {
    const aaguid = '2fc0579f-8113-47ea-b116-bb5a8db9202a';
    expect(assessAttestation(input({ aaguid, catalogue: null, extraAnchors: [world.model.root.x509] }))).toEqual({
      trusted: true,
      reason: 'chain_ok',
      authenticatorName: null,
    });
    expect(assessAttestation(input({ aaguid, catalogue: null, extraAnchors: [world.otherRoot.x509] })).reason).toBe('chain_broken');
  });
});

describe('attestationChainFromObject', () => {
  it('extracts fmt, AAGUID and x5c from a packed attestation object', () => {
    const object = attestationObject(
      'packed',
      { alg: -7, sig: new Uint8Array(70), x5c: world.model.x5c },
      world.model.aaguid.toUpperCase(),
    );
    const found = attestationChainFromObject(object);
    expect(found.fmt).toBe('packed');
    expect(found.aaguid).toBe(world.model.aaguid);
    expect(found.x5c.map((c) => Buffer.from(c).toString('hex'))).toEqual(world.model.x5c.map((c) => Buffer.from(c).toString('hex')));
    expect(assessAttestation({ ...found, catalogue, now: TEST_NOW }).reason).toBe('chain_ok');
  });

  it('finds an android-safetynet chain in the x5c header of its JWS response', () => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', x5c: world.model.x5c.map((c) => Buffer.from(c).toString('base64')) }),
    ).toString('base64url');
    const response = new TextEncoder().encode(`${header}.e30.c2ln`);
    const found = attestationChainFromObject(attestationObject('android-safetynet', { ver: '1', response }, world.model.aaguid));
    expect(found.x5c).toHaveLength(2);
    expect(assessAttestation({ ...found, catalogue, now: TEST_NOW }).reason).toBe('chain_ok');
  });

  it('gives an empty chain for attestation none', () => {
    const found = attestationChainFromObject(attestationObject('none', {}, ZERO_AAGUID));
    expect(found).toEqual({ fmt: 'none', aaguid: ZERO_AAGUID, x5c: [] });
  });

  it('throws on bytes that are not an attestation object', () => {
    expect(() => attestationChainFromObject(new Uint8Array([1, 2, 3]))).toThrow();
  });
});

describe('the W3C WebAuthn L3 test vectors', () => {
  const w3c = loadW3cVectors();
  const w3cCa = new X509Certificate(Buffer.from(w3c.rootCaDer));
  const vector = (anchor: string) => {
    const found = w3c.vectors.find((v) => v.anchor === anchor);
    if (!found) throw new Error(`no vector ${anchor}`);
    return attestationChainFromObject(new Uint8Array(Buffer.from(found.registration.attestationObject.hex, 'hex')));
  };

  it("trust the packed vector's chain when the vectors' CA is an extra anchor, and not without it", () => {
    const packed = vector('sctn-test-vectors-packed-es256');
    expect(packed.fmt).toBe('packed');
    expect(packed.aaguid).toBe('876ca4f5-2071-c3e9-b255-09ef2cdf7ed6');
    expect(packed.x5c).toHaveLength(1);
    expect(assessAttestation({ ...packed, catalogue: null, extraAnchors: [w3cCa], now: TEST_NOW })).toEqual({
      trusted: true,
      reason: 'chain_ok',
      authenticatorName: null,
    });
    expect(assessAttestation({ ...packed, catalogue: null, now: TEST_NOW })).toEqual({
      trusted: false,
      reason: 'no_metadata',
      authenticatorName: null,
    });
    // A catalogue that does not list the vectors' AAGUID changes nothing.
    expect(assessAttestation({ ...packed, catalogue, now: TEST_NOW }).reason).toBe('no_metadata');
    expect(assessAttestation({ ...packed, catalogue, extraAnchors: [w3cCa], now: TEST_NOW }).reason).toBe('chain_ok');
    // Another anchor is not the vectors' CA.
    expect(assessAttestation({ ...packed, catalogue: null, extraAnchors: [world.model.root.x509], now: TEST_NOW }).reason).toBe(
      'chain_broken',
    );
  });

  it("trust the packed vector through metadata that lists the vectors' CA for its AAGUID, with its name", async () => {
    const packed = vector('sctn-test-vectors-packed-es256');
    const listed = await catalogueWith({
      entries: [
        {
          aaguid: packed.aaguid,
          description: 'W3C test vector authenticator',
          roots: [w3c.rootCaDer],
          statusReports: [{ status: 'FIDO_CERTIFIED' }],
        },
      ],
    });
    expect(assessAttestation({ ...packed, catalogue: listed, now: TEST_NOW })).toEqual({
      trusted: true,
      reason: 'chain_ok',
      authenticatorName: 'W3C test vector authenticator',
    });
  });

  // Decided outcomes for every registration vector with the vectors' CA as an extra anchor.
  // (Which of them the library accepts in the first place is recorded in test/server/conformance.test.ts;
  // this module is only ever asked about registrations that passed that verification.)
  it.each([
    ['sctn-test-vectors-none-es256', 'self_or_none'],
    ['sctn-test-vectors-packed-self-es256', 'self_or_none'],
    ['sctn-test-vectors-none-es256-crossOrigin', 'self_or_none'],
    ['sctn-test-vectors-none-es256-topOrigin', 'self_or_none'],
    ['sctn-test-vectors-none-es256-long-credential-id', 'self_or_none'],
    ['sctn-test-vectors-packed-es256', 'chain_ok'],
    ['sctn-test-vectors-packed-es384', 'chain_ok'],
    ['sctn-test-vectors-packed-es512', 'chain_ok'],
    ['sctn-test-vectors-packed-rs256', 'chain_ok'],
    ['sctn-test-vectors-packed-eddsa', 'chain_ok'],
    ['sctn-test-vectors-packed-ed448', 'chain_ok'],
    ['sctn-test-vectors-tpm-es256', 'chain_ok'],
    ['sctn-test-vectors-android-key-es256', 'chain_ok'],
    ['sctn-test-vectors-apple-es256', 'chain_ok'],
    // fido-u2f signs neither authData nor the AAGUID; this vector's non-zero AAGUID is not vouched for.
    ['sctn-test-vectors-fido-u2f-es256', 'chain_broken'],
  ])('%s: %s', (anchor, reason) => {
    const result = assessAttestation({ ...vector(anchor), catalogue: null, extraAnchors: [w3cCa], now: TEST_NOW });
    expect(result.reason).toBe(reason);
    expect(result.trusted).toBe(reason === 'chain_ok');
  });
});

describe('createAttestationJudge', () => {
  it("fits the policy engine's AttestationJudge and reports compromise separately", async () => {
    let current: MetadataCatalogue | null = catalogue;
    const judge: AttestationJudge = createAttestationJudge({ catalogue: () => current, clock: { now: () => TEST_NOW } });
    const object = attestationObject('packed', { alg: -7, sig: new Uint8Array(70), x5c: world.model.x5c }, world.model.aaguid);
    const registration = {
      credentialId: 'AAAA',
      publicKey: new Uint8Array(0),
      counter: 0,
      transports: [],
      aaguid: world.model.aaguid,
      attestationFormat: 'packed',
      userVerified: true,
      backupEligible: false,
      backedUp: false,
      attestationObject: object,
    };
    expect(await judge(registration)).toMatchObject({ trusted: true, compromised: false, authenticatorName: 'Fake Key 5 NFC' });
    // A reloaded catalogue is seen on the next call.
    current = await catalogueWith({ modelStatus: { status: 'REVOKED', effectiveDate: '2030-01-01' } });
    expect(await judge(registration)).toMatchObject({ trusted: false, compromised: true, authenticatorName: 'Fake Key 5 NFC' });
    current = null;
    expect(await judge(registration)).toMatchObject({ trusted: false, compromised: false, authenticatorName: null });
    // An undecodable object is judged, not thrown.
    expect(await judge({ ...registration, attestationObject: new Uint8Array([1]) })).toMatchObject({ trusted: false, compromised: false });
  });
});
