import { createHash, createPublicKey, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { asBytes, asMap, decodeCbor } from '../../electron/main/ctap2/cbor.js';
import { CTAPHID } from '../../electron/main/ctap2/ctaphid.js';
import { SOFT_KEY_AAGUID } from '../support/ctap2/index.js';
import { attestedCredential, ctapCode, hostMessages, opened, plugged, registration, RP_ID } from './support/security-key.js';

// The CTAP2 client's commands over CTAPHID: getInfo and its channel, makeCredential with exclude lists, getAssertion with allow lists.
/**
 * Issue 11, "the CTAP2 client's unit tests against [our software authenticator] for every command
 * and error path, including fragmented CTAPHID messages, a channel busy, a cancelled request and a
 * key pulled mid-ceremony": SecurityKey over SoftHidBus, the software key written independently
 * of this client (test/support/ctap2/), byte for byte over 64-byte reports.
 */

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((key) => key.close()));
});

describe('getInfo and the channel', () => {
  it('allocates a channel with a nonce and reads what the key can do', async () => {
    const { soft, key } = await plugged({ pin: '1234', minPinLength: 6 });
    const info = await key.getInfo();
    expect(info.versions).toContain('FIDO_2_1');
    expect(Buffer.from(info.aaguid).toString('hex')).toBe(SOFT_KEY_AAGUID.replace(/-/g, ''));
    expect(info.options['clientPin']).toBe(true);
    expect(info.pinUvAuthProtocols).toEqual([2, 1]);
    expect(info.minPinLength).toBe(6);

    const [init, getInfo] = hostMessages(soft);
    expect(init?.cid).toBe(0xffffffff);
    expect(init?.cmd).toBe(CTAPHID.INIT);
    expect(init?.payload).toHaveLength(8);
    const reply = soft.frames().find((f) => f.from === 'key')!.report;
    expect(reply.subarray(7, 15)).toEqual(init?.payload);
    // Our own channel, the one the key allocated in its reply to our nonce.
    expect(getInfo?.cid).toBe(new DataView(reply.buffer, reply.byteOffset).getUint32(15));
    expect(getInfo?.payload).toEqual(Uint8Array.of(0x04));
  });
});

describe('makeCredential', () => {
  it('returns the key packed attestation as a WebAuthn attestation object', async () => {
    const { soft, key } = await plugged({ uv: 'none' });
    const request = registration();
    const result = await key.makeCredential(request);
    expect(result.fmt).toBe('packed');
    expect([...result.attStmt.keys()].sort()).toEqual(['alg', 'sig', 'x5c']);
    const object = asMap(decodeCbor(result.attestationObject), 'attestationObject');
    expect([...object.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
    expect(asBytes(object.get('authData'), 'authData')).toEqual(result.authData);
    expect(result.authData.subarray(0, 32)).toEqual(new Uint8Array(createHash('sha256').update(RP_ID).digest()));
    const { id } = attestedCredential(result.authData);
    expect(soft.credentials().map((c) => Buffer.from(c.id).toString('hex'))).toEqual([Buffer.from(id).toString('hex')]);
  });

  it('sends a long exclude list over many continuation packets, in sequence, and the key reads it whole', async () => {
    const { soft, key } = await plugged({ uv: 'none' });
    // As long as the key says one request may be: 8 ids of 64 bytes.
    const excludeList = Array.from({ length: 8 }, (_, i) => ({ type: 'public-key' as const, id: new Uint8Array(64).fill(i + 1) }));
    await key.makeCredential(registration({ excludeList }));
    const frames = soft.frames().filter((f) => f.from === 'host');
    const start = frames.findIndex((f) => f.report[4] === (0x80 | CTAPHID.CBOR) && f.report[7] === 0x01);
    const length = new DataView(frames[start]!.report.buffer, frames[start]!.report.byteOffset).getUint16(5);
    const continuations = frames.slice(start + 1, start + 1 + Math.ceil((length - 57) / 59));
    expect(length).toBeGreaterThan(8 * 64);
    expect(continuations.length).toBeGreaterThanOrEqual(9);
    expect(continuations.map((f) => f.report[4])).toEqual(continuations.map((_, seq) => seq));
    const sent = asMap(
      decodeCbor(
        hostMessages(soft)
          // CBOR only: the CTAPHID_INIT nonce before it starts with 0x01 in 1 run of 256, and is no makeCredential.
          .find((m) => m.cmd === CTAPHID.CBOR && m.payload[0] === 0x01)!
          .payload.subarray(1),
      ),
      'makeCredential',
    );
    expect(sent.get(0x05)).toHaveLength(8);
    expect(soft.credentials()).toHaveLength(1);
  });

  it('probes an exclude list longer than the key takes in silent batches, and still refuses a key already registered', async () => {
    const { soft, key } = await plugged({ uv: 'none' });
    const registered = attestedCredential((await key.makeCredential(registration())).authData).id;
    const others = Array.from({ length: 20 }, (_, i) => ({ type: 'public-key' as const, id: new Uint8Array(64).fill(0x40 + i) }));
    const tooLongToBeThisKeys = { type: 'public-key' as const, id: new Uint8Array(200).fill(1) };
    const excludeList = [tooLongToBeThisKeys, ...others.slice(0, 13), { type: 'public-key' as const, id: registered }, ...others.slice(13)];
    expect(await ctapCode(key.makeCredential(registration({ excludeList })))).toBe('CTAP2_ERR_CREDENTIAL_EXCLUDED');

    const requests = hostMessages(soft)
      .filter((m) => m.cmd === CTAPHID.CBOR && (m.payload[0] === 0x01 || m.payload[0] === 0x02))
      .map((m) => ({ command: m.payload[0], parameters: asMap(decodeCbor(m.payload.subarray(1)), 'request') }));
    const probes = requests.filter((r) => r.command === 0x02);
    // 21 usable ids in batches of 8: the registered one is the 14th, so the second batch finds it and probing stops.
    expect(probes.map((p) => (p.parameters.get(0x03) as unknown[]).length)).toEqual([8, 8]);
    expect(probes.every((p) => asMap(p.parameters.get(0x05), 'options').get('up') === false)).toBe(true);
    expect(requests.at(-1)?.parameters.get(0x05)).toHaveLength(1);
    expect(soft.credentials()).toHaveLength(1);

    await expect(key.makeCredential(registration({ excludeList: [tooLongToBeThisKeys, ...others] }))).resolves.toMatchObject({
      fmt: 'packed',
    });
    expect(soft.credentials()).toHaveLength(2);
  });

  it('refuses a key already registered: CTAP2_ERR_CREDENTIAL_EXCLUDED, and nothing new on the key', async () => {
    const { soft, key } = await plugged({ uv: 'none' });
    const first = attestedCredential((await key.makeCredential(registration())).authData);
    const code = await ctapCode(key.makeCredential(registration({ excludeList: [{ type: 'public-key', id: first.id }] })));
    expect(code).toBe('CTAP2_ERR_CREDENTIAL_EXCLUDED');
    expect(soft.credentials()).toHaveLength(1);
  });
});

describe('getAssertion', () => {
  it('signs authData and the client data hash with the registered credential', async () => {
    const { key } = await plugged({ uv: 'none' });
    const created = attestedCredential((await key.makeCredential(registration())).authData);
    const clientDataHash = createHash('sha256').update('assertion').digest();
    const result = await key.getAssertion({
      rpId: RP_ID,
      clientDataHash,
      allowList: [{ type: 'public-key', id: created.id }],
      options: {},
    });
    expect(result.credentialId).toEqual(created.id);
    const publicKey = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(asBytes(created.publicKey.get(-2), 'x')).toString('base64url'),
        y: Buffer.from(asBytes(created.publicKey.get(-3), 'y')).toString('base64url'),
      },
    });
    expect(verify('sha256', Buffer.concat([result.authData, clientDataHash]), publicKey, result.signature)).toBe(true);
  });

  it('finds its credential in an allow list longer than the key takes, and never turns a long list into a discoverable request', async () => {
    const { key, soft } = await plugged({ uv: 'none' });
    const created = attestedCredential((await key.makeCredential(registration())).authData).id;
    const others = Array.from({ length: 20 }, (_, i) => ({ type: 'public-key' as const, id: new Uint8Array(64).fill(0x40 + i) }));
    const clientDataHash = new Uint8Array(32).fill(5);
    const result = await key.getAssertion({
      rpId: RP_ID,
      clientDataHash,
      allowList: [...others, { type: 'public-key', id: created }],
      options: {},
    });
    expect(result.credentialId).toEqual(created);

    expect(await ctapCode(key.getAssertion({ rpId: RP_ID, clientDataHash, allowList: others, options: {} }))).toBe(
      'CTAP2_ERR_NO_CREDENTIALS',
    );
    const assertions = hostMessages(soft)
      .filter((m) => m.cmd === CTAPHID.CBOR && m.payload[0] === 0x02)
      .map((m) => asMap(decodeCbor(m.payload.subarray(1)), 'getAssertion'));
    expect(assertions.every((a) => a.has(0x03))).toBe(true);
  });

  it('says CTAP2_ERR_NO_CREDENTIALS for a credential the key does not hold', async () => {
    const { key } = await plugged({ uv: 'none' });
    const code = await ctapCode(
      key.getAssertion({
        rpId: RP_ID,
        clientDataHash: new Uint8Array(32),
        allowList: [{ type: 'public-key', id: new Uint8Array(48).fill(9) }],
        options: {},
      }),
    );
    expect(code).toBe('CTAP2_ERR_NO_CREDENTIALS');
  });
});
