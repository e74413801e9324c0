import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COMPROMISED_STATUSES,
  loadMetadataBlob,
  MetadataError,
  parseMetadataBlob,
  type MetadataCatalogue,
  type MetadataErrorCode,
} from '../../server/attestation/mds-blob.js';
import { createMdsWorld, daysFrom, isoDay, TEST_NOW, TINY_PNG, type MdsWorld } from '../support/make-mds-blob.js';

let world: MdsWorld;

beforeAll(() => {
  world = createMdsWorld();
  // Teardown registered by the hook that made the world, so it runs only if the world exists.
  return () => {
    world.cleanup();
  };
});

async function refusal(promise: Promise<MetadataCatalogue>): Promise<{ code: MetadataErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MetadataError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the BLOB was accepted');
}

function parse(
  jws: string,
  now: Date = TEST_NOW,
  root: string | Uint8Array | X509Certificate = world.fidoRoot.pem,
): Promise<MetadataCatalogue> {
  return parseMetadataBlob(jws, { root, now });
}

describe('a valid BLOB', () => {
  it('loads from a file and its lookups give names, icons, roots and the latest status', async () => {
    const path = world.writeFile('blob.jwt', await world.makeBlob({ no: 7 }));
    const catalogue = await loadMetadataBlob(path, { root: world.fidoRoot.pem, now: TEST_NOW });
    expect(catalogue.no).toBe(7);
    expect(catalogue.nextUpdate).toBe(daysFrom(TEST_NOW, 30));
    expect(catalogue.size).toBe(1);
    const entry = catalogue.lookup(world.model.aaguid);
    expect(entry?.name).toBe('Fake Key 5 NFC');
    expect(entry?.icon).toBe(TINY_PNG);
    expect(entry?.roots.map((r) => r.fingerprint256)).toEqual([world.model.root.x509.fingerprint256]);
    expect(entry?.status).toEqual({ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2025-03-01' });
    expect(catalogue.isCompromised(world.model.aaguid)).toBe(false);
    expect(catalogue.isCurrent(TEST_NOW)).toBe(true);
  });

  it('is looked up by AAGUID in any case, with or without dashes; unknown AAGUIDs give nothing', async () => {
    const catalogue = await parse(await world.makeBlob());
    expect(catalogue.lookup(world.model.aaguid.toUpperCase())?.name).toBe('Fake Key 5 NFC');
    expect(catalogue.lookup(world.model.aaguid.replace(/-/g, ''))?.name).toBe('Fake Key 5 NFC');
    expect(catalogue.lookup('2fc0579f-8113-47ea-b116-bb5a8db9202a')).toBeUndefined();
    expect(catalogue.isCompromised('2fc0579f-8113-47ea-b116-bb5a8db9202a')).toBe(false);
  });

  it('verifies an RS256 BLOB (the real service signs with RSA)', async () => {
    const catalogue = await parse(await world.makeBlob({ alg: 'RS256' }));
    expect(catalogue.lookup(world.model.aaguid)?.name).toBe('Fake Key 5 NFC');
  });

  it('verifies when x5c also carries the root itself, and not when that root is another one', async () => {
    expect((await parse(await world.makeBlob({ includeRoot: true }))).size).toBe(1);
    expect((await refusal(parse(await world.makeBlob({ includeRoot: true, chainTo: 'other' })))).code).toBe('untrusted_chain');
  });

  it('takes the root as PEM, DER or a parsed certificate', async () => {
    const jws = await world.makeBlob();
    for (const root of [world.fidoRoot.pem, world.fidoRoot.der, world.fidoRoot.x509]) {
      expect((await parse(jws, TEST_NOW, root)).size).toBe(1);
    }
  });

  it('is usable through its nextUpdate day and stale the day after', async () => {
    const catalogue = await parse(await world.makeBlob({ nextUpdate: isoDay(TEST_NOW) }));
    expect(catalogue.isCurrent(TEST_NOW)).toBe(true);
    expect(catalogue.isCurrent(new Date(TEST_NOW.getTime() + 24 * 3600 * 1000))).toBe(false);
  });

  it('indexes FIDO2 entries only, and passes on only data: PNG icons', async () => {
    const other = '0d9b2e56-566b-c3f0-7c1d-a2b0d1f1e9a8';
    const catalogue = await parse(
      await world.makeBlob({
        rawPayload: {
          no: 1,
          nextUpdate: daysFrom(TEST_NOW, 30),
          entries: [
            { aaid: '4e4e#4005', statusReports: [{ status: 'FIDO_CERTIFIED' }] },
            { attestationCertificateKeyIdentifiers: ['bf7bcaa0d0c6187a8c6abbdd16a15640e7c7bde2'], statusReports: [] },
            {
              aaguid: other,
              metadataStatement: {
                description: 'Remote Icon Key',
                icon: 'https://tracker.example/icon.png',
                attestationRootCertificates: [],
              },
              statusReports: [
                { status: 'FIDO_CERTIFIED_L2', effectiveDate: '2027-01-01' },
                { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2025-01-01' },
              ],
            },
            // An entry with status reports only still counts for compromise checks.
            { aaguid: world.model.aaguid, statusReports: [{ status: 'REVOKED', effectiveDate: '2029-01-01' }] },
          ],
        },
      }),
    );
    expect(catalogue.size).toBe(2);
    const entry = catalogue.lookup(other);
    expect(entry?.name).toBe('Remote Icon Key');
    expect(entry && 'icon' in entry).toBe(false);
    // The latest by effective date, whatever the array order.
    expect(entry?.status?.status).toBe('FIDO_CERTIFIED_L2');
    expect(catalogue.lookup(world.model.aaguid)?.name).toBeNull();
    expect(catalogue.isCompromised(world.model.aaguid)).toBe(true);
  });
});

describe('refused BLOBs', () => {
  it('a bad signature: bad_signature', async () => {
    expect((await refusal(parse(await world.makeBlob({ badSignature: true })))).code).toBe('bad_signature');
    expect((await refusal(parse(await world.makeBlob({ badSignature: true, alg: 'RS256' })))).code).toBe('bad_signature');
  });

  it('a payload swapped under another BLOB signature: bad_signature', async () => {
    const [header, , signature] = (await world.makeBlob({ no: 1 })).split('.');
    const [, payload] = (await world.makeBlob({ no: 2 })).split('.');
    expect((await refusal(parse(`${header}.${payload}.${signature}`))).code).toBe('bad_signature');
  });

  it('a BLOB without x5c is taken as signed by the root itself (MDS3 §3.2), so a leaf signature fails', async () => {
    expect((await refusal(parse(await world.makeBlob({ omitX5c: true })))).code).toBe('bad_signature');
  });

  it('a chain to another root, even one with the same names: untrusted_chain', async () => {
    const refused = await refusal(parse(await world.makeBlob({ chainTo: 'other' })));
    expect(refused.code).toBe('untrusted_chain');
    // And a correctly signed BLOB checked against a different configured root.
    expect((await refusal(parse(await world.makeBlob(), TEST_NOW, world.otherRoot.pem))).code).toBe('untrusted_chain');
  });

  it('a signing certificate that has expired: untrusted_chain', async () => {
    const later = new Date('2041-01-01T00:00:00Z');
    const refused = await refusal(parse(await world.makeBlob({ nextUpdate: '2041-02-01' }), later));
    expect(refused.code).toBe('untrusted_chain');
    expect(refused.message).toMatch(/not valid at/);
  });

  it('a nextUpdate in the past: expired', async () => {
    const refused = await refusal(parse(await world.makeBlob({ nextUpdate: daysFrom(TEST_NOW, -1) })));
    expect(refused.code).toBe('expired');
    expect(refused.message).toContain(daysFrom(TEST_NOW, -1));
  });

  it.each([
    ['missing nextUpdate and entries', { no: 1 }],
    ['nextUpdate not a calendar date', { no: 1, nextUpdate: '2030-13-45', entries: [] }],
    ['nextUpdate with a time', { no: 1, nextUpdate: '2030-07-01T00:00:00Z', entries: [] }],
    ['no that is not a number', { no: 'seven', nextUpdate: '2030-07-01', entries: [] }],
    ['entries that are not an array', { no: 1, nextUpdate: '2030-07-01', entries: {} }],
    ['an entry without statusReports', { no: 1, nextUpdate: '2030-07-01', entries: [{ aaguid: '0d9b2e56-566b-c3f0-7c1d-a2b0d1f1e9a8' }] }],
    [
      'a root certificate that is not DER',
      {
        no: 1,
        nextUpdate: '2030-07-01',
        entries: [
          {
            aaguid: '0d9b2e56-566b-c3f0-7c1d-a2b0d1f1e9a8',
            metadataStatement: { description: 'x', attestationRootCertificates: ['bm90IGEgY2VydGlmaWNhdGU='] },
            statusReports: [],
          },
        ],
      },
    ],
    ['a payload that is a JSON string', 'hello'],
  ])('a malformed payload (%s): malformed', async (_label, rawPayload) => {
    const refused = await refusal(parse(await world.makeBlob({ rawPayload })));
    expect(refused.code).toBe('malformed');
  });

  it('a header with an algorithm we do not accept: malformed', async () => {
    const good = (await world.makeBlob()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    expect((await refusal(parse(`${header}.${good[1]}.${good[2]}`))).code).toBe('malformed');
  });

  it('a BLOB that names its chain only by URL (x5u): untrusted_chain, nothing is fetched', async () => {
    const good = (await world.makeBlob()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', x5u: 'https://mds.example/chain.pem' })).toString('base64url');
    expect((await refusal(parse(`${header}.${good[1]}.${good[2]}`))).code).toBe('untrusted_chain');
  });

  it('a file that is missing or not a JWS, or a root that is not a certificate: unreadable', async () => {
    expect((await refusal(loadMetadataBlob(`${world.dir}/no-such-blob.jwt`, { root: world.fidoRoot.pem, now: TEST_NOW }))).code).toBe(
      'unreadable',
    );
    const garbage = world.writeFile('garbage.jwt', '<html>Not found</html>');
    expect((await refusal(loadMetadataBlob(garbage, { root: world.fidoRoot.pem, now: TEST_NOW }))).code).toBe('unreadable');
    expect((await refusal(parse('a.b.c'))).code).toBe('unreadable');
    expect((await refusal(parse(await world.makeBlob(), TEST_NOW, 'not a certificate'))).code).toBe('unreadable');
  });
});

describe('status reports', () => {
  it.each([...COMPROMISED_STATUSES])('%s marks the model compromised', async (status) => {
    const catalogue = await parse(await world.makeBlob({ modelStatus: { status, effectiveDate: '2029-01-01' } }));
    expect(catalogue.isCompromised(world.model.aaguid)).toBe(true);
    expect(catalogue.lookup(world.model.aaguid)?.status).toEqual({ status, effectiveDate: '2029-01-01' });
  });

  it('the compromise list is exactly the five statuses FIDO names', () => {
    expect([...COMPROMISED_STATUSES].sort()).toEqual(
      [
        'ATTESTATION_KEY_COMPROMISE',
        'REVOKED',
        'USER_KEY_PHYSICAL_COMPROMISE',
        'USER_KEY_REMOTE_COMPROMISE',
        'USER_VERIFICATION_BYPASS',
      ].sort(),
    );
  });

  it.each(['FIDO_CERTIFIED_L2', 'UPDATE_AVAILABLE', 'NOT_FIDO_CERTIFIED', 'A_STATUS_FROM_A_LATER_SPEC'])('%s does not', async (status) => {
    const catalogue = await parse(await world.makeBlob({ modelStatus: { status, effectiveDate: '2029-01-01' } }));
    expect(catalogue.isCompromised(world.model.aaguid)).toBe(false);
    expect(catalogue.lookup(world.model.aaguid)?.status?.status).toBe(status);
  });

  it('a later report does not clear an earlier compromise: devices in the field keep the flaw', async () => {
    const catalogue = await parse(
      await world.makeBlob({
        entries: [
          world.modelEntry([
            { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2025-03-01' },
            { status: 'USER_VERIFICATION_BYPASS', effectiveDate: '2027-01-01' },
            { status: 'UPDATE_AVAILABLE', effectiveDate: '2028-01-01' },
          ]),
        ],
      }),
    );
    expect(catalogue.lookup(world.model.aaguid)?.status?.status).toBe('UPDATE_AVAILABLE');
    expect(catalogue.isCompromised(world.model.aaguid)).toBe(true);
  });
});
