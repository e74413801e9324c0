import { createHash, verify, X509Certificate } from 'node:crypto';
import { decodePartialCBOR } from '@levischuck/tiny-cbor';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClientPinSubcommand,
  CtapCommand,
  HidCommand,
  Permission,
  SoftHidBus,
  SoftSecurityKey,
  Status,
  statusName,
  type SoftSecurityKeyOptions,
} from '../support/ctap2/index.js';
import type { CborValue, Decoded } from '../support/ctap2/cbor.js';
import { encapsulate, pinProtocol, type PinProtocolVersion } from '../support/ctap2/pin-protocol.js';
import { initPacket, RawHost } from '../support/ctap2/raw-host.js';

/**
 * Issue 11, "a software CTAP2 authenticator ... with a PIN, retries, a blocked state, UV, an exclude
 * list, keepalive while waiting for a touch, and attestation": every command driven with hand-built
 * CTAPHID frames and CBOR, the PIN protocols played by this file as the platform's half.
 */

const RP = 'firstkey.test';
const hosts: RawHost[] = [];
const keys: SoftSecurityKey[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close().catch(() => undefined);
  // Every refusal above is a status the specification names, never the key's own error.
  for (const key of keys.splice(0)) expect(key.faults()).toEqual([]);
});

interface Rig {
  bus: SoftHidBus;
  key: SoftSecurityKey;
  host: RawHost;
  cid: number;
}

async function rig(options: SoftSecurityKeyOptions = {}): Promise<Rig> {
  const bus = new SoftHidBus();
  const key = new SoftSecurityKey(options);
  keys.push(key);
  const { path } = bus.plug(key);
  const host = await RawHost.open(bus, path);
  hosts.push(host);
  return { bus, key, host, cid: await host.allocate() };
}

/** After a power cycle the key has a new path and no channels: open it again. */
async function replugged(r: Rig): Promise<Rig> {
  const { path } = r.key.replug();
  const host = await RawHost.open(r.bus, path);
  hosts.push(host);
  return { ...r, host, cid: await host.allocate() };
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function expectStatus(actual: { status: number }, expected: keyof typeof Status): void {
  expect(statusName(actual.status)).toBe(expected);
}

function bytes(body: Map<number | string, Decoded> | null, key: number | string): Uint8Array {
  const value = body?.get(key);
  if (!(value instanceof Uint8Array)) throw new Error(`answer key ${key} is not a byte string`);
  return value;
}

const CDH = sha256('client data');

function makeCredential(
  extra: {
    rpId?: string;
    rk?: boolean;
    uv?: boolean;
    up?: boolean;
    exclude?: Uint8Array[];
    pinUvAuthParam?: Uint8Array;
    protocol?: number;
    alg?: number;
  } = {},
): Map<number, CborValue> {
  const params = new Map<number, CborValue>([
    [1, CDH],
    [
      2,
      new Map([
        ['id', extra.rpId ?? RP],
        ['name', 'FirstKey'],
      ]),
    ],
    [
      3,
      new Map<string, CborValue>([
        ['id', Uint8Array.of(7, 7, 7)],
        ['name', 'ada@firstkey.test'],
        ['displayName', 'Ada'],
      ]),
    ],
    [
      4,
      [
        new Map<string, CborValue>([
          ['alg', extra.alg ?? -7],
          ['type', 'public-key'],
        ]),
      ],
    ],
  ]);
  if (extra.exclude)
    params.set(
      5,
      extra.exclude.map(
        (id) =>
          new Map<string, CborValue>([
            ['id', id],
            ['type', 'public-key'],
          ]),
      ),
    );
  const options = new Map<string, boolean>();
  if (extra.rk !== undefined) options.set('rk', extra.rk);
  if (extra.uv !== undefined) options.set('uv', extra.uv);
  if (extra.up !== undefined) options.set('up', extra.up);
  if (options.size > 0) params.set(7, options);
  if (extra.pinUvAuthParam) params.set(8, extra.pinUvAuthParam);
  if (extra.protocol !== undefined) params.set(9, extra.protocol);
  return params;
}

function getAssertion(
  extra: { allow?: Uint8Array[]; up?: boolean; pinUvAuthParam?: Uint8Array; protocol?: number } = {},
): Map<number, CborValue> {
  const params = new Map<number, CborValue>([
    [1, RP],
    [2, CDH],
  ]);
  if (extra.allow)
    params.set(
      3,
      extra.allow.map(
        (id) =>
          new Map<string, CborValue>([
            ['id', id],
            ['type', 'public-key'],
          ]),
      ),
    );
  if (extra.up !== undefined) params.set(5, new Map([['up', extra.up]]));
  if (extra.pinUvAuthParam) params.set(6, extra.pinUvAuthParam);
  if (extra.protocol !== undefined) params.set(7, extra.protocol);
  return params;
}

/** The platform's half of clientPIN: a key agreement, then the shared secret. */
async function pinSession(r: Rig, version: PinProtocolVersion) {
  const answer = await r.host.cbor(
    r.cid,
    CtapCommand.clientPIN,
    new Map([
      [1, version],
      [2, ClientPinSubcommand.getKeyAgreement],
    ]),
  );
  expectStatus(answer, 'CTAP2_OK');
  const protocol = pinProtocol(version);
  return { protocol, ...encapsulate(protocol, answer.body?.get(1)) };
}

async function askToken(
  r: Rig,
  pin: string,
  opts: { version?: PinProtocolVersion; permissions?: number; rpId?: string; legacy?: boolean } = {},
): Promise<{ status: number; token: Uint8Array | null }> {
  const version = opts.version ?? 2;
  const { protocol, keyAgreement, shared } = await pinSession(r, version);
  const pinHashEnc = protocol.encrypt(shared, sha256(new TextEncoder().encode(pin.normalize('NFC'))).slice(0, 16));
  const params = new Map<number, CborValue>([
    [1, version],
    [2, opts.legacy ? ClientPinSubcommand.getPinToken : ClientPinSubcommand.getPinUvAuthTokenUsingPinWithPermissions],
    [3, keyAgreement],
    [6, pinHashEnc],
  ]);
  if (!opts.legacy) {
    params.set(9, opts.permissions ?? Permission.mc | Permission.ga);
    params.set(10, opts.rpId ?? RP);
  }
  const answer = await r.host.cbor(r.cid, CtapCommand.clientPIN, params);
  return { status: answer.status, token: answer.status === Status.CTAP2_OK ? protocol.decrypt(shared, bytes(answer.body, 2)) : null };
}

async function token(r: Rig, pin: string, opts: Parameters<typeof askToken>[2] = {}): Promise<Uint8Array> {
  const answer = await askToken(r, pin, opts);
  expect(statusName(answer.status)).toBe('CTAP2_OK');
  if (!answer.token) throw new Error('no token');
  return answer.token;
}

function padded(pin: string | Uint8Array): Uint8Array {
  const utf8 = typeof pin === 'string' ? new TextEncoder().encode(pin) : pin;
  const out = new Uint8Array(Math.max(64, utf8.length));
  out.set(utf8);
  return out;
}

async function setPin(r: Rig, pin: string | Uint8Array, version: PinProtocolVersion = 2) {
  const { protocol, keyAgreement, shared } = await pinSession(r, version);
  const newPinEnc = protocol.encrypt(shared, padded(pin));
  return r.host.cbor(
    r.cid,
    CtapCommand.clientPIN,
    new Map<number, CborValue>([
      [1, version],
      [2, ClientPinSubcommand.setPIN],
      [3, keyAgreement],
      [4, protocol.authenticate(shared, newPinEnc)],
      [5, newPinEnc],
    ]),
  );
}

async function retries(r: Rig): Promise<{ retries: unknown; powerCycle: unknown }> {
  const answer = await r.host.cbor(
    r.cid,
    CtapCommand.clientPIN,
    new Map([
      [1, 2],
      [2, ClientPinSubcommand.getPINRetries],
    ]),
  );
  expectStatus(answer, 'CTAP2_OK');
  return { retries: answer.body?.get(3), powerCycle: answer.body?.get(4) };
}

/** authData's flags byte and the credential id (when attested). */
function parseAuthData(authData: Uint8Array): {
  rpIdHash: Uint8Array;
  flags: number;
  counter: number;
  aaguid?: Uint8Array;
  credentialId?: Uint8Array;
} {
  const flags = authData[32] ?? 0;
  const counter = new DataView(authData.buffer, authData.byteOffset).getUint32(33);
  if (!(flags & 0x40)) return { rpIdHash: authData.slice(0, 32), flags, counter };
  const idLength = ((authData[53] ?? 0) << 8) | (authData[54] ?? 0);
  return {
    rpIdHash: authData.slice(0, 32),
    flags,
    counter,
    aaguid: authData.slice(37, 53),
    credentialId: authData.slice(55, 55 + idLength),
  };
}

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

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

describe('PIN/UV auth protocols and tokens', () => {
  for (const version of [2, 1] as const) {
    it(`protocol ${version}: the PIN gives a token whose pinUvAuthParam makes a user-verified credential; a forged one is refused`, async () => {
      const r = await rig({ pin: '1234', attestation: 'none' });
      const t = await token(r, '1234', { version });
      expect(t).toHaveLength(32);
      const param = pinProtocol(version).authenticate(t, CDH);
      expect(param).toHaveLength(version === 1 ? 16 : 32);
      const made = await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ rk: true, pinUvAuthParam: param, protocol: version }),
      );
      expectStatus(made, 'CTAP2_OK');
      expect(parseAuthData(bytes(made.body, 2)).flags & UV).toBe(UV);
      const forged = Uint8Array.from(param, (b, i) => (i === 0 ? b ^ 1 : b));
      expectStatus(
        await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ pinUvAuthParam: forged, protocol: version })),
        'CTAP2_ERR_PIN_AUTH_INVALID',
      );
    });
  }

  it('the legacy getPinToken (2.0 keys) carries makeCredential and getAssertion', async () => {
    const r = await rig({ pin: '1234', versions: ['FIDO_2_0'], attestation: 'none' });
    const t = await token(r, '1234', { version: 1, legacy: true });
    const made = await r.host.cbor(
      r.cid,
      CtapCommand.makeCredential,
      makeCredential({ pinUvAuthParam: pinProtocol(1).authenticate(t, CDH), protocol: 1 }),
    );
    expectStatus(made, 'CTAP2_OK');
    // A 2.0 key knows neither the permissions subcommand nor protocol 2.
    expect(statusName((await askToken(r, '1234', { version: 1 })).status)).toBe('CTAP2_ERR_INVALID_SUBCOMMAND');
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.clientPIN,
        new Map([
          [1, 2],
          [2, 2],
        ]),
      ),
      'CTAP1_ERR_INVALID_PARAMETER',
    );
  });

  it("a token keeps to its permissions and its RP: getAssertion-only cannot make credentials, one RP's cannot serve another", async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const gaOnly = await token(r, '1234', { permissions: Permission.ga });
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(gaOnly, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
    const elsewhere = await token(r, '1234', { rpId: 'other.test' });
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(elsewhere, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
    expect(statusName((await askToken(r, '1234', { permissions: Permission.cm })).status)).toBe('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
  });

  it('a new token replaces the old one', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const first = await token(r, '1234');
    await token(r, '1234');
    expectStatus(
      await r.host.cbor(
        r.cid,
        CtapCommand.makeCredential,
        makeCredential({ pinUvAuthParam: pinProtocol(2).authenticate(first, CDH), protocol: 2 }),
      ),
      'CTAP2_ERR_PIN_AUTH_INVALID',
    );
  });

  it('with a PIN set: a discoverable credential needs the token (PUAT_REQUIRED); a 2.1 key makes a non-discoverable one without UV (makeCredUvNotRqd), a 2.0 key does not', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    expectStatus(await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential({ rk: true })), 'CTAP2_ERR_PUAT_REQUIRED');
    const plain = await r.host.cbor(r.cid, CtapCommand.makeCredential, makeCredential());
    expectStatus(plain, 'CTAP2_OK');
    expect(parseAuthData(bytes(plain.body, 2)).flags & UV).toBe(0);
    const old = await rig({ pin: '1234', versions: ['FIDO_2_0'], attestation: 'none' });
    expectStatus(await old.host.cbor(old.cid, CtapCommand.makeCredential, makeCredential()), 'CTAP2_ERR_PUAT_REQUIRED');
  });

  it('the touch probe (a zero-length pinUvAuthParam) waits for a touch, then says PIN_INVALID when a PIN is set and PIN_NOT_SET when not', async () => {
    const withPin = await rig({ pin: '1234', touch: 'manual', attestation: 'none' });
    await withPin.host.sendCbor(
      withPin.cid,
      CtapCommand.makeCredential,
      makeCredential({ pinUvAuthParam: new Uint8Array(0), protocol: 1 }),
    );
    await withPin.key.untilTouchNeeded();
    withPin.key.touch();
    expectStatus(await withPin.host.cborAnswer(withPin.cid), 'CTAP2_ERR_PIN_INVALID');
    const without = await rig({ attestation: 'none' });
    expectStatus(
      await without.host.cbor(without.cid, CtapCommand.makeCredential, makeCredential({ pinUvAuthParam: new Uint8Array(0), protocol: 1 })),
      'CTAP2_ERR_PIN_NOT_SET',
    );
    expect(withPin.key.pinRetriesLeft()).toBe(8);
  });
});

describe('PIN retries and blocked states', () => {
  it('a wrong PIN costs a try and says PIN_INVALID; the right one restores all 8', async () => {
    const r = await rig({ pin: 'correct horse', attestation: 'none' });
    expect(statusName((await askToken(r, 'wrong')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(await retries(r)).toEqual({ retries: 7, powerCycle: false });
    expect(r.key.pinRetriesLeft()).toBe(7);
    await token(r, 'correct horse');
    expect(r.key.pinRetriesLeft()).toBe(8);
  });

  it('a wrong PIN regenerates the key agreement key, so a platform must fetch it again', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const first = await pinSession(r, 2);
    const { protocol, keyAgreement, shared } = first;
    const wrong = protocol.encrypt(shared, sha256('9999').slice(0, 16));
    const ask = (pinHashEnc: Uint8Array) =>
      r.host.cbor(
        r.cid,
        CtapCommand.clientPIN,
        new Map<number, CborValue>([
          [1, 2],
          [2, 9],
          [3, keyAgreement],
          [6, pinHashEnc],
          [9, 3],
          [10, RP],
        ]),
      );
    expectStatus(await ask(wrong), 'CTAP2_ERR_PIN_INVALID');
    // The right PIN under the old shared secret decrypts to garbage on the key's side: a mismatch.
    expectStatus(await ask(protocol.encrypt(shared, sha256('1234').slice(0, 16))), 'CTAP2_ERR_PIN_INVALID');
  });

  it('three wrong in a row give PIN_AUTH_BLOCKED, which even the right PIN meets until the key is unplugged and plugged back', async () => {
    let r = await rig({ pin: '1234', attestation: 'none' });
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(await retries(r)).toEqual({ retries: 5, powerCycle: true });
    r = await replugged(r);
    expect(await retries(r)).toEqual({ retries: 5, powerCycle: false });
    await token(r, '1234');
    expect(r.key.pinRetriesLeft()).toBe(8);
  });

  it('at zero tries the PIN is blocked for good: PIN_BLOCKED, even for the right PIN, even after a power cycle', async () => {
    let r = await rig({ pin: '1234', retries: 2, attestation: 'none' });
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_INVALID');
    expect(statusName((await askToken(r, '0000')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    r = await replugged(r);
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(r.key.pinRetriesLeft()).toBe(0);
  });

  it('asking for a token on a key without a PIN says PIN_NOT_SET', async () => {
    const r = await rig({ attestation: 'none' });
    expect(statusName((await askToken(r, '1234')).status)).toBe('CTAP2_ERR_PIN_NOT_SET');
  });
});

describe('setting and changing the PIN', () => {
  for (const version of [2, 1] as const) {
    it(`protocol ${version}: setPIN on a key without one; getInfo then says clientPin true and the PIN gives a token`, async () => {
      const r = await rig({ attestation: 'none' });
      expectStatus(await setPin(r, '2468', version), 'CTAP2_OK');
      expect(r.key.hasPin()).toBe(true);
      expect(((await r.host.cbor(r.cid, CtapCommand.getInfo)).body?.get(4) as Map<string, boolean>).get('clientPin')).toBe(true);
      await token(r, '2468', { version });
    });
  }

  it('refuses a PIN shorter than minPINLength in code points (not bytes), one over 63 bytes, and a second setPIN', async () => {
    const r = await rig({ attestation: 'none', minPinLength: 6 });
    // Five code points, ten UTF-8 bytes: too short although long in bytes.
    expectStatus(await setPin(r, 'ääääa'), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
    expectStatus(await setPin(r, new Uint8Array(64).fill(0x61)), 'CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(r.key.hasPin()).toBe(false);
    expectStatus(await setPin(r, 'ääääää'), 'CTAP2_OK');
    await token(r, 'ääääää');
    expectStatus(await setPin(r, '13579'), 'CTAP2_ERR_PIN_AUTH_INVALID');
  });

  it('a setPIN whose pinUvAuthParam does not match newPinEnc is refused', async () => {
    const r = await rig({ attestation: 'none' });
    const { protocol, keyAgreement, shared } = await pinSession(r, 2);
    const newPinEnc = protocol.encrypt(shared, padded('2468'));
    const answer = await r.host.cbor(
      r.cid,
      CtapCommand.clientPIN,
      new Map<number, CborValue>([
        [1, 2],
        [2, 3],
        [3, keyAgreement],
        [4, protocol.authenticate(shared, padded('other'))],
        [5, newPinEnc],
      ]),
    );
    expectStatus(answer, 'CTAP2_ERR_PIN_AUTH_INVALID');
    expect(r.key.hasPin()).toBe(false);
  });

  it('changePIN with the current PIN sets the new one', async () => {
    const r = await rig({ pin: '1234', attestation: 'none' });
    const { protocol, keyAgreement, shared } = await pinSession(r, 2);
    const newPinEnc = protocol.encrypt(shared, padded('5678'));
    const pinHashEnc = protocol.encrypt(shared, sha256('1234').slice(0, 16));
    const message = new Uint8Array([...newPinEnc, ...pinHashEnc]);
    const answer = await r.host.cbor(
      r.cid,
      CtapCommand.clientPIN,
      new Map<number, CborValue>([
        [1, 2],
        [2, ClientPinSubcommand.changePIN],
        [3, keyAgreement],
        [4, protocol.authenticate(shared, message)],
        [5, newPinEnc],
        [6, pinHashEnc],
      ]),
    );
    expectStatus(answer, 'CTAP2_OK');
    await token(r, '5678');
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
