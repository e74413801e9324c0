import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assessAttestation, attestationChainFromObject, createAttestationJudge } from '../../server/attestation/trust.js';
import { encodeCbor } from '../support/cbor.js';
import { loadW3cVectors } from '../support/conformance-data.js';
import { TEST_NOW } from '../support/make-mds-blob.js';
import { aaguidBytes, authenticatorData, coseEc2PublicKey, es256KeyPair } from '../support/soft-authenticator.js';

/**
 * What an attacker puts in an attestation to be trusted as a model they are not: a valid chain
 * under a format that does not sign it, bytes that are not certificates, a malformed
 * android-safetynet response, authenticator data without the attested credential. Uses the W3C
 * WebAuthn L3 test vectors (a real packed chain and its CA) as the one trustworthy thing.
 */

const w3c = loadW3cVectors();
const CA = new X509Certificate(Buffer.from(w3c.rootCaDer));
const packedVector = w3c.vectors.find((v) => v.anchor === 'sctn-test-vectors-packed-es256')!;
const PACKED_OBJECT = new Uint8Array(Buffer.from(packedVector.registration.attestationObject.hex, 'hex'));
const PACKED = attestationChainFromObject(PACKED_OBJECT);

function object(fmt: string, attStmt: Record<string, Uint8Array | number | string>, attested = true): Uint8Array {
  const { x, y } = es256KeyPair();
  const authData = authenticatorData({
    rpId: 'example.org',
    flags: {},
    signCount: 0,
    ...(attested
      ? {
          attested: { aaguid: aaguidBytes(PACKED.aaguid), credentialId: new Uint8Array(16).fill(7), cosePublicKey: coseEc2PublicKey(x, y) },
        }
      : {}),
  });
  return encodeCbor({ fmt, attStmt, authData });
}

describe('attestations that claim a model they cannot prove', () => {
  it("a valid chain carried under fmt 'none' (which signs nothing) is not trusted, even with its CA as an anchor", () => {
    expect(PACKED.x5c.length).toBeGreaterThan(0);
    expect(assessAttestation({ ...PACKED, fmt: 'none', catalogue: null, extraAnchors: [CA], now: TEST_NOW })).toEqual({
      trusted: false,
      reason: 'self_or_none',
      authenticatorName: null,
    });
    // The same chain under its real format is trusted: the refusal above is about the format.
    expect(assessAttestation({ ...PACKED, catalogue: null, extraAnchors: [CA], now: TEST_NOW }).trusted).toBe(true);
  });

  it('bytes that are not certificates are a broken chain, never trusted, even when an anchor is configured', () => {
    const garbage = [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), new Uint8Array(64)];
    expect(assessAttestation({ ...PACKED, x5c: garbage, catalogue: null, extraAnchors: [CA], now: TEST_NOW })).toEqual({
      trusted: false,
      reason: 'chain_broken',
      authenticatorName: null,
    });
  });

  it('authenticator data without an attested credential is refused, with the reason', () => {
    expect(() => attestationChainFromObject(object('packed', { alg: -7 }, false))).toThrow(/no attested credential data/);
  });

  it('a malformed android-safetynet response yields no chain at all', () => {
    const header = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const responses: Record<string, Uint8Array | undefined> = {
      'no response': undefined,
      'an empty response': new Uint8Array(0),
      'a header that is not JSON': new TextEncoder().encode('bm90IGpzb24.e30.c2ln'),
      'a header without x5c': new TextEncoder().encode(`${header({ alg: 'RS256' })}.e30.c2ln`),
      'an empty x5c': new TextEncoder().encode(`${header({ alg: 'RS256', x5c: [] })}.e30.c2ln`),
    };
    for (const [label, response] of Object.entries(responses)) {
      const found = attestationChainFromObject(object('android-safetynet', response ? { ver: '1', response } : { ver: '1' }));
      expect(found, label).toEqual({ fmt: 'android-safetynet', aaguid: PACKED.aaguid, x5c: [] });
    }
  });
});

describe('the judge the policy engine calls', () => {
  const registration = (attestationObject: Uint8Array) => ({ attestationObject, aaguid: PACKED.aaguid });

  it("trusts a chain to an operator's extra anchor, and only with that anchor configured", async () => {
    const clock = { now: () => TEST_NOW };
    const withAnchor = createAttestationJudge({ catalogue: () => null, extraAnchors: [CA], clock });
    expect(await withAnchor(registration(PACKED_OBJECT))).toEqual({
      trusted: true,
      compromised: false,
      reason: 'chain_ok',
      authenticatorName: null,
    });
    const without = createAttestationJudge({ catalogue: () => null, clock });
    expect(await without(registration(PACKED_OBJECT))).toMatchObject({ trusted: false, reason: 'no_metadata' });
  });

  it('an attestation object that cannot be decoded is judged untrusted, not thrown, whatever anchors exist', async () => {
    const judge = createAttestationJudge({ catalogue: () => null, extraAnchors: [CA], clock: { now: () => TEST_NOW } });
    expect(await judge(registration(new Uint8Array([1, 2, 3])))).toEqual({
      trusted: false,
      compromised: false,
      reason: 'self_or_none',
      authenticatorName: null,
    });
  });
});
