import { verify, X509Certificate } from 'node:crypto';
import { decodePartialCBOR } from '@levischuck/tiny-cbor';
import { afterEach, describe, expect, it } from 'vitest';
import { CtapCommand, HidCommand, Status } from '../support/ctap2/index.js';
import type { Decoded } from '../support/ctap2/cbor.js';
import { pinProtocol } from '../support/ctap2/pin-protocol.js';
import { initPacket } from '../support/ctap2/raw-host.js';
import {
  AT,
  bytes,
  CDH,
  expectStatus,
  getAssertion,
  hosts,
  keys,
  makeCredential,
  parseAuthData,
  rig,
  RP,
  sha256,
  token,
  UP,
  UV,
} from './soft-key-ctap2-support.js';

// The soft key's CTAP2 commands with hand-built frames: getInfo, makeCredential, getAssertion, selection and built-in UV.
/**
 * Issue 11, "a software CTAP2 authenticator ... with a PIN, retries, a blocked state, UV, an exclude
 * list, keepalive while waiting for a touch, and attestation": every command driven with hand-built
 * CTAPHID frames and CBOR, the PIN protocols played by this file as the platform's half.
 */

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close().catch(() => undefined);
  // Every refusal above is a status the specification names, never the key's own error.
  for (const key of keys.splice(0)) expect(key.faults()).toEqual([]);
});

describe('authenticatorGetInfo', () => {
  it('answers canonical CBOR: integer keys ascending, option names shortest first, as an independent decoder reads it', async () => {
    const r = await rig({ pin: '1234' });
    await r.host.send(initPacket(r.cid, HidCommand.CBOR, 1, Uint8Array.of(CtapCommand.getInfo)));
    const raw = await r.host.answer(r.cid);
    expect(raw.payload[0]).toBe(Status.CTAP2_OK);
    // tiny-cbor (from @simplewebauthn) keeps the order it reads: the order on the wire.
    const [info, length] = decodePartialCBOR(raw.payload, 1) as [Map<unknown, unknown>, number];
    expect(length).toBe(raw.payload.length - 1);
    expect([...info.keys()]).toEqual([0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0c, 0x0d]);
    const options = info.get(0x04) as Map<string, boolean>;
    expect([...options.keys()]).toEqual(['rk', 'up', 'plat', 'clientPin', 'pinUvAuthToken', 'makeCredUvNotRqd']);
    expect(info.get(0x01)).toEqual(['FIDO_2_0', 'FIDO_2_1']);
    expect(info.get(0x06)).toEqual([2, 1]);
    expect(info.get(0x0d)).toBe(4);
    expect(options.get('clientPin')).toBe(true);
    // Integers in their shortest form: maxMsgSize 1200 is 0x19 0x04 0xb0 after its key 0x05.
    expect(Buffer.from(raw.payload).includes(Buffer.from([0x05, 0x19, 0x04, 0xb0]))).toBe(true);
  });

  it('tells what the key is: clientPin false before a PIN is set, absent without UV, uv with a sensor, a 2.0 key with protocol 1 only', async () => {
    const fresh = await rig({ attestation: 'none' });
    const noPin = (await fresh.host.cbor(fresh.cid, CtapCommand.getInfo)).body;
    expect((noPin?.get(4) as Map<string, boolean>).get('clientPin')).toBe(false);
    const none = await rig({ uv: 'none', attestation: 'none' });
    const noUv = (await none.host.cbor(none.cid, CtapCommand.getInfo)).body;
    expect((noUv?.get(4) as Map<string, boolean>).has('clientPin')).toBe(false);
    expect(noUv?.has(6)).toBe(false);
    const bio = await rig({ uv: 'builtin', attestation: 'none' });
    expect(((await bio.host.cbor(bio.cid, CtapCommand.getInfo)).body?.get(4) as Map<string, boolean>).get('uv')).toBe(true);
    const old = await rig({ versions: ['FIDO_2_0'], pin: '1234', attestation: 'none', minPinLength: 6 });
    const oldInfo = (await old.host.cbor(old.cid, CtapCommand.getInfo)).body;
    expect(oldInfo?.get(1)).toEqual(['FIDO_2_0']);
    expect(oldInfo?.get(6)).toEqual([1]);
    expect(oldInfo?.has(0x0d)).toBe(false);
    expect((oldInfo?.get(4) as Map<string, boolean>).has('pinUvAuthToken')).toBe(false);
  });

  it('refuses a request whose CBOR is not canonical with CTAP2_ERR_INVALID_CBOR', async () => {
    const r = await rig();
    // getKeyAgreement with its map keys 2 then 1: the right content in the wrong order.
    const message = Uint8Array.of(CtapCommand.clientPIN, 0xa2, 0x02, 0x02, 0x01, 0x02);
    await r.host.send(initPacket(r.cid, HidCommand.CBOR, message.length, message));
    expect((await r.host.answer(r.cid)).payload).toEqual(Uint8Array.of(Status.CTAP2_ERR_INVALID_CBOR));
    // 24 written in two bytes where one is due... is fine (24 needs two); 23 in two bytes is not.
    const long = Uint8Array.of(CtapCommand.clientPIN, 0xa2, 0x01, 0x18, 0x02, 0x02, 0x02);
    await r.host.send(initPacket(r.cid, HidCommand.CBOR, long.length, long));
    expect((await r.host.answer(r.cid)).payload).toEqual(Uint8Array.of(Status.CTAP2_ERR_INVALID_CBOR));
  });
});

describe('authenticatorMakeCredential', () => {
  it('makes an ES256 credential with packed attestation whose signature the x5c certificate verifies, and an AAGUID extension that matches', async () => {
    const r = await rig();
    const { status, body } = await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential());
    expectStatus({ status }, 'CTAP2_OK');
    expect(body?.get(1)).toBe('packed');
    const authData = bytes(body, 2);
    const parsed = parseAuthData(authData);
    expect(parsed.rpIdHash).toEqual(sha256(RP));
    expect(parsed.flags).toBe(UP | AT);
    expect(Buffer.from(parsed.aaguid ?? []).toString('hex')).toBe(r.key.aaguid.replace(/-/g, ''));
    const attStmt = body?.get(3) as Map<string, Decoded>;
    expect(attStmt.get('alg')).toBe(-7);
    const [der] = attStmt.get('x5c') as Uint8Array[];
    const certificate = new X509Certificate(Buffer.from(der ?? []));
    expect(certificate.subject).toContain('OU=Authenticator Attestation');
    expect(certificate.ca).toBe(false);
    expect(certificate.verify(new X509Certificate(r.key.attestationRoot()).publicKey)).toBe(true);
    const signed = Buffer.concat([authData, CDH]);
    expect(verify('sha256', signed, certificate.publicKey, attStmt.get('sig') as Uint8Array)).toBe(true);
    expect(r.key.credentials()).toMatchObject([{ rpId: RP, discoverable: false }]);
    expect(r.key.credentials()[0]?.id).toEqual(parsed.credentialId);
  });

  it("with attestation 'none' sends fmt none and an empty statement", async () => {
    const r = await rig({ attestation: 'none' });
    const { body } = await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential());
    expect(body?.get(1)).toBe('none');
    expect(body?.get(3)).toEqual(new Map());
  });

  it('refuses an algorithm it does not have (CTAP2_ERR_UNSUPPORTED_ALGORITHM), up=false (INVALID_OPTION), a missing parameter', async () => {
    const r = await rig({ attestation: 'none' });
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ alg: -257 })), 'CTAP2_ERR_UNSUPPORTED_ALGORITHM');
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ up: false })), 'CTAP2_ERR_INVALID_OPTION');
    const params = makeCredential();
    params.delete(1);
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, params), 'CTAP2_ERR_MISSING_PARAMETER');
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ uv: true })), 'CTAP2_ERR_INVALID_OPTION');
    expect(r.key.credentials()).toEqual([]);
  });

  it('answers CTAP2_ERR_CREDENTIAL_EXCLUDED for a credential in the exclude list, only after a touch', async () => {
    const r = await rig({ attestation: 'none', touch: 'manual' });
    await r.host.sendCbor(r.cid, CtapCommand.makeCredential, makeCredential());
    await r.key.untilTouchNeeded();
    r.key.touch();
    const made = await r.host.cborAnswer(r.cid);
    const id = parseAuthData(bytes(made.body, 2)).credentialId ?? new Uint8Array(0);

    await r.host.sendCbor(r.cid, CtapCommand.makeCredential, makeCredential({ exclude: [new Uint8Array(32), id] }));
    await r.key.untilTouchNeeded();
    // For 300 ms the key only says it waits for a touch: nothing tells the exclusion before it.
    const meanwhile: number[] = [];
    const until = Date.now() + 300;
    while (Date.now() < until) {
      const report = await r.host.pipe.read(until - Date.now());
      if (report) meanwhile.push(report[4] ?? 0);
    }
    expect(meanwhile.length).toBeGreaterThan(0);
    expect(new Set(meanwhile)).toEqual(new Set([0x80 | HidCommand.KEEPALIVE]));
    r.key.touch();
    const answer = await r.host.cborAnswer(r.cid);
    expectStatus(answer, 'CTAP2_ERR_CREDENTIAL_EXCLUDED');
    expect(r.key.credentials()).toHaveLength(1);
    // The same id for another RP does not exclude.
    r.key.untilTouchNeeded().then(
      () => r.key.touch(),
      () => undefined,
    );
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ rpId: 'other.test', exclude: [id] })), 'CTAP2_OK');
  });
});

describe('authenticatorGetAssertion', () => {
  it('signs authData || clientDataHash with the credential, user present and verified with a token, counter rising', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const t = await token(r, '1234');
    const made = await r.host.cbor(
      r.cid,
      CtapCommand.makeCredential,
      makeCredential({ rk: true, pinUvAuthParam: pinProtocol(2).authenticate(t, CDH), protocol: 2 }),
    );
    const authData = bytes(made.body, 2);
    const parsed = parseAuthData(authData);
    const cose = decodePartialCBOR(authData, 55 + (parsed.credentialId?.length ?? 0))[0] as Map<number, Uint8Array>;
    const { createPublicKey } = await import('node:crypto');
    const publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(cose.get(-2) ?? []).toString('base64url'),
        y: Buffer.from(cose.get(-3) ?? []).toString('base64url'),
      },
      format: 'jwk',
    });

    const assertion = await r.host.cbor(
      r.cid,
      CtapCommand.getAssertion,
      getAssertion({ allow: [parsed.credentialId ?? new Uint8Array(0)], pinUvAuthParam: pinProtocol(2).authenticate(t, CDH), protocol: 2 }),
    );
    expectStatus(assertion, 'CTAP2_OK');
    const assertionData = bytes(assertion.body, 2);
    const flags = parseAuthData(assertionData);
    expect(flags.flags).toBe(UP | UV);
    expect(flags.counter).toBeGreaterThan(parsed.counter);
    expect(verify('sha256', Buffer.concat([assertionData, CDH]), publicKey, bytes(assertion.body, 3))).toBe(true);
    expect((assertion.body?.get(1) as Map<string, Decoded>).get('id')).toEqual(parsed.credentialId);
    expect((assertion.body?.get(4) as Map<string, Decoded>).get('id')).toEqual(Uint8Array.of(7, 7, 7));
  });

  it('finds a discoverable credential without an allow list; says NO_CREDENTIALS without a touch when it has none', async () => {
    const r = await rig({ attestation: 'none', touch: 'manual' });
    r.key.untilTouchNeeded().then(
      () => r.key.touch(),
      () => undefined,
    );
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ rk: true })), 'CTAP2_OK');
    r.key.untilTouchNeeded().then(
      () => r.key.touch(),
      () => undefined,
    );
    const found = await r.host.cbor(r.cid, CtapCommand.getAssertion, getAssertion());
    expectStatus(found, 'CTAP2_OK');
    expect((found.body?.get(4) as Map<string, Decoded>).get('id')).toEqual(Uint8Array.of(7, 7, 7));
    const answer = await r.host.cbor(r.cid, CtapCommand.getAssertion, getAssertion({ allow: [new Uint8Array(32)] }));
    expectStatus(answer, 'CTAP2_ERR_NO_CREDENTIALS');
    expect(answer.keepalives).toEqual([]);
    expect(r.key.waitingForTouch()).toBe(false);
  });

  it('up=false asks for no touch and leaves UP clear (a platform checking which key holds a credential)', async () => {
    const r = await rig({ attestation: 'none' });
    const made = await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential());
    const id = parseAuthData(bytes(made.body, 2)).credentialId ?? new Uint8Array(0);
    const manual = r;
    const answer = await manual.host.cbor(r.cid, CtapCommand.getAssertion, getAssertion({ allow: [id], up: false }));
    expectStatus(answer, 'CTAP2_OK');
    expect(parseAuthData(bytes(answer.body, 2)).flags).toBe(0);
    expect(answer.keepalives).toEqual([]);
  });
});

describe('authenticatorSelection and built-in UV', () => {
  it('a 2.1 key answers selection after a touch; a 2.0 key does not know the command', async () => {
    const r = await rig({ touch: 'manual', attestation: 'none' });
    await r.host.sendCbor(r.cid, CtapCommand.selection);
    await r.key.untilTouchNeeded();
    r.key.touch();
    const answer = await r.host.cborAnswer(r.cid);
    expect(answer).toMatchObject({ status: Status.CTAP2_OK, body: null });
    const old = await rig({ versions: ['FIDO_2_0'], attestation: 'none' });
    expectStatus(await old.host.cbor(old.cid, CtapCommand.selection), 'CTAP1_ERR_INVALID_COMMAND');
  });

  it('a key with a sensor verifies with options.uv; a key without UV has no clientPIN at all', async () => {
    const bio = await rig({ uv: 'builtin', attestation: 'none' });
    const made = await bio.host.cbor(bio.cid, CtapCommand.makeCredential, makeCredential({ uv: true, rk: true }));
    expectStatus(made, 'CTAP2_OK');
    expect(parseAuthData(bytes(made.body, 2)).flags & UV).toBe(UV);
    const none = await rig({ uv: 'none', attestation: 'none' });
    expectStatus(
      await none.host.cbor(
        none.cid,
        CtapCommand.clientPIN,
        new Map([
          [1, 2],
          [2, 1],
        ]),
      ),
      'CTAP1_ERR_INVALID_COMMAND',
    );
  });
});
