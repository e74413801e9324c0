/**
 * Issue 11, "the CTAP2 client's unit tests against [our software authenticator] for every command
 * and error path, including fragmented CTAPHID messages, a channel busy, a cancelled request and a
 * key pulled mid-ceremony": SecurityKey over SoftHidBus, the software key written independently
 * of this client (test/support/ctap2/), byte for byte over 64-byte reports.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { asBytes, asMap, decodeCbor, decodeCborPrefix, type CborMap } from '../../electron/main/ctap2/cbor.js';
import { CTAPHID, MessageAssembler } from '../../electron/main/ctap2/ctaphid.js';
import {
  Ctap2Error,
  HidGoneError,
  SecurityKey,
  selectKeyByTouch,
  type KeyStatus,
  type MakeCredentialRequest,
  type SecurityKeyOptions,
} from '../../electron/main/ctap2/index.js';
import { SOFT_KEY_AAGUID, SoftHidBus, SoftSecurityKey, type SoftSecurityKeyOptions } from '../support/ctap2/index.js';

const RP_ID = 'enrol.corp.example';
const FAST: SecurityKeyOptions = { timings: { busyBackoffMs: 20 } };
const opened: SecurityKey[] = [];

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((key) => key.close()));
});

async function plugged(options: SoftSecurityKeyOptions = {}): Promise<{ bus: SoftHidBus; soft: SoftSecurityKey; key: SecurityKey }> {
  const bus = new SoftHidBus();
  const soft = new SoftSecurityKey(options);
  const device = bus.plug(soft);
  const key = await SecurityKey.open(bus, device, FAST);
  opened.push(key);
  return { bus, soft, key };
}

function registration(overrides: Partial<MakeCredentialRequest> = {}): MakeCredentialRequest {
  return {
    clientDataHash: createHash('sha256').update('client data').digest(),
    rp: { id: RP_ID, name: 'Example Corp' },
    user: { id: Uint8Array.of(1, 2, 3, 4), name: 'ada@corp.example', displayName: 'Ada Lovelace' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeList: [],
    options: {},
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function ctapCode(promise: Promise<unknown>): Promise<string> {
  const error = await failure(promise);
  if (error instanceof Ctap2Error) return error.code;
  throw error;
}

/** The messages the client sent, reassembled per channel from the frames the key logged. */
function hostMessages(soft: SoftSecurityKey): { cid: number; cmd: number; payload: Uint8Array }[] {
  const assemblers = new Map<number, MessageAssembler>();
  const out: { cid: number; cmd: number; payload: Uint8Array }[] = [];
  for (const { from, report } of soft.frames()) {
    if (from !== 'host') continue;
    const cid = new DataView(report.buffer, report.byteOffset).getUint32(0);
    let assembler = assemblers.get(cid);
    if (assembler === undefined) {
      assembler = new MessageAssembler(cid);
      assemblers.set(cid, assembler);
    }
    const result = assembler.accept(report);
    if (result.kind === 'message') out.push({ cid, cmd: result.cmd, payload: result.payload });
  }
  return out;
}

/** The clientPIN subcommands the client sent, with their parameters. */
function clientPinRequests(soft: SoftSecurityKey): CborMap[] {
  return hostMessages(soft)
    .filter((m) => m.cmd === CTAPHID.CBOR && m.payload[0] === 0x06)
    .map((m) => asMap(decodeCbor(m.payload.subarray(1)), 'clientPIN'));
}

const FLAG_UV = 0x04;

/** The credential id and public key in authData's attested credential data (WebAuthn §6.5.1). */
function attestedCredential(authData: Uint8Array): { id: Uint8Array; publicKey: CborMap } {
  const idLength = new DataView(authData.buffer, authData.byteOffset).getUint16(53);
  const id = authData.subarray(55, 55 + idLength);
  const { value } = decodeCborPrefix(authData.subarray(55 + idLength));
  return { id, publicKey: asMap(value, 'credentialPublicKey') };
}

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

describe('the PIN', () => {
  it('wrong PIN costs a retry and says CTAP2_ERR_PIN_INVALID; the right one gives a token that makes a UV credential', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    expect(await key.pinRetries()).toEqual({ retries: 8, powerCycleRequired: false });
    const wrong = await failure(key.pinToken('9999', { makeCredential: true }, RP_ID));
    expect(wrong).toMatchObject({ code: 'CTAP2_ERR_PIN_INVALID' });
    // What a log would keep of the refusal says which, never what was typed.
    expect(`${String(wrong)} ${(wrong as Error).stack ?? ''}`).not.toContain('9999');
    expect((await key.pinRetries()).retries).toBe(7);
    const pinUvAuth = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(pinUvAuth.protocol).toBe(2);
    expect(soft.pinRetriesLeft()).toBe(8);
    const result = await key.makeCredential(registration({ pinUvAuth }));
    expect((result.authData[32] ?? 0) & FLAG_UV).toBe(FLAG_UV);
  });

  it('asks a CTAP 2.1 key for a token with permissions for our RP (subcommand 0x09)', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    await key.pinToken('1234', { makeCredential: true, getAssertion: true }, RP_ID);
    const request = clientPinRequests(soft).find((r) => r.get(0x02) === 0x09);
    expect(request?.get(0x01)).toBe(2);
    expect(request?.get(0x09)).toBe(0x03);
    expect(request?.get(0x0a)).toBe(RP_ID);
  });

  it('after three wrong PINs in a row says CTAP2_ERR_PIN_AUTH_BLOCKED, even to the right PIN, until the key is replugged', async () => {
    const { bus, soft, key } = await plugged({ pin: '1234' });
    const codes = [];
    for (let i = 0; i < 3; i += 1) codes.push(await ctapCode(key.pinToken('0000', { makeCredential: true }, RP_ID)));
    expect(codes).toEqual(['CTAP2_ERR_PIN_INVALID', 'CTAP2_ERR_PIN_INVALID', 'CTAP2_ERR_PIN_AUTH_BLOCKED']);
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_AUTH_BLOCKED');
    expect(await key.pinRetries()).toEqual({ retries: 5, powerCycleRequired: true });

    const again = await SecurityKey.open(bus, soft.replug(), FAST);
    opened.push(again);
    await expect(again.pinToken('1234', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
  });

  it('says CTAP2_ERR_PIN_BLOCKED when the last try is used, and keeps saying it to the right PIN', async () => {
    const { key } = await plugged({ pin: '1234', retries: 1 });
    expect(await ctapCode(key.pinToken('0000', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_BLOCKED');
    expect((await key.pinRetries()).retries).toBe(0);
  });

  it('sets a PIN on a key without one; the key then has one and it opens the key', async () => {
    const { key, soft } = await plugged({ minPinLength: 6 });
    expect(await ctapCode(key.pinToken('123456', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_NOT_SET');
    await key.setPin('123456');
    expect(soft.hasPin()).toBe(true);
    expect((await key.getInfo()).options['clientPin']).toBe(true);
    await expect(key.pinToken('123456', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
  });

  it('changes the PIN: the new one opens the key, the old one no longer does, a wrong current PIN costs a retry', async () => {
    const { key, soft } = await plugged({ pin: '1234' });
    expect(await ctapCode(key.changePin('0000', '567890'))).toBe('CTAP2_ERR_PIN_INVALID');
    expect(soft.pinRetriesLeft()).toBe(7);
    await key.changePin('1234', '567890');
    await expect(key.pinToken('567890', { makeCredential: true }, RP_ID)).resolves.toMatchObject({ protocol: 2 });
    expect(await ctapCode(key.pinToken('1234', { makeCredential: true }, RP_ID))).toBe('CTAP2_ERR_PIN_INVALID');
    expect((await key.getInfo()).forcePinChange).toBe(false);
  });

  it('refuses a PIN shorter than the key minimum before the key sees it', async () => {
    const { key, soft } = await plugged({ minPinLength: 6 });
    await key.getInfo();
    const before = soft.frames().length;
    expect(await ctapCode(key.setPin('12345'))).toBe('CTAP2_ERR_PIN_POLICY_VIOLATION');
    expect(soft.frames()).toHaveLength(before);
    expect(soft.hasPin()).toBe(false);
  });

  it('speaks protocol 1 and getPinToken (0x05) to an older CTAP 2.0 key', async () => {
    const { key, soft } = await plugged({ pin: '1234', versions: ['FIDO_2_0'] });
    expect((await key.getInfo()).pinUvAuthProtocols).toEqual([1]);
    const pinUvAuth = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(pinUvAuth.protocol).toBe(1);
    const sent = clientPinRequests(soft).filter((r) => r.get(0x02) === 0x05);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.get(0x01)).toBe(1);
    const result = await key.makeCredential(registration({ pinUvAuth }));
    expect((result.authData[32] ?? 0) & FLAG_UV).toBe(FLAG_UV);
  });

  it('zeroes the tokens it handed out when the key is closed', async () => {
    const { key } = await plugged({ pin: '1234' });
    const { token } = await key.pinToken('1234', { makeCredential: true }, RP_ID);
    expect(token.some((b) => b !== 0)).toBe(true);
    await key.close();
    expect(token.every((b) => b === 0)).toBe(true);
  });
});

describe('touch, cancel, busy and a pulled key', () => {
  it('reports touch_needed from the key keepalives and finishes when the key is touched', async () => {
    const { key, soft } = await plugged({ uv: 'none', touch: 'manual' });
    const statuses: KeyStatus[] = [];
    const pending = key.makeCredential(registration(), { onStatus: (s) => statuses.push(s) });
    await soft.untilTouchNeeded();
    await expect.poll(() => statuses).toContain('touch_needed');
    soft.touch();
    await pending;
    expect(statuses.filter((s) => s === 'touch_needed')).toHaveLength(1);
  });

  it('cancel really cancels: CTAPHID_CANCEL goes to the key, the key stops waiting, nothing is registered', async () => {
    const { key, soft } = await plugged({ uv: 'none', touch: 'manual' });
    const stop = new AbortController();
    const pending = key.makeCredential(registration(), { signal: stop.signal });
    await soft.untilTouchNeeded();
    stop.abort();
    expect(await ctapCode(pending)).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(hostMessages(soft).some((m) => m.cmd === CTAPHID.CANCEL)).toBe(true);
    expect(soft.waitingForTouch()).toBe(false);
    expect(soft.credentials()).toHaveLength(0);
    // The channel is still good for the next request.
    await expect(key.getInfo()).resolves.toBeTruthy();
  });

  it('waits while another program keeps the key busy, then goes on', async () => {
    const { key, soft } = await plugged({ uv: 'none' });
    soft.busyWith(0x0badcafe);
    setTimeout(() => {
      soft.busyWith(null);
    }, 150);
    await expect(key.getInfo()).resolves.toMatchObject({ versions: expect.arrayContaining(['FIDO_2_1']) as unknown });
  });

  it('gives up with CTAP1_ERR_CHANNEL_BUSY when the key stays busy past the retries', async () => {
    const bus = new SoftHidBus();
    const soft = new SoftSecurityKey({ uv: 'none' });
    const key = await SecurityKey.open(bus, bus.plug(soft), { timings: { busyRetries: 2, busyBackoffMs: 10 } });
    opened.push(key);
    soft.busyWith(0x0badcafe);
    expect(await ctapCode(key.getInfo())).toBe('CTAP1_ERR_CHANNEL_BUSY');
  });

  it('a key pulled mid-ceremony surfaces as HidGoneError naming the device', async () => {
    const { key, soft, bus } = await plugged({ uv: 'none', touch: 'manual' });
    const path = key.device.path;
    const pending = key.makeCredential(registration());
    await soft.untilTouchNeeded();
    bus.unplug(soft);
    const error = await failure(pending);
    expect(error).toBeInstanceOf(HidGoneError);
    expect((error as HidGoneError).path).toBe(path);
  });
});

describe('choosing a key by touch', () => {
  it('waitForTouch uses authenticatorSelection on a 2.1 key and the empty-pinUvAuthParam probe on a 2.0 key, making no credential', async () => {
    for (const versions of [['FIDO_2_0', 'FIDO_2_1'], ['FIDO_2_0']] as const) {
      const { key, soft } = await plugged({ versions: [...versions], touch: 'manual' });
      const pending = key.waitForTouch();
      await soft.untilTouchNeeded();
      soft.touch();
      await pending;
      const sent = hostMessages(soft)
        .filter((m) => m.cmd === CTAPHID.CBOR)
        .map((m) => m.payload[0]);
      expect(sent.at(-1)).toBe(versions.length === 2 ? 0x0b : 0x01);
      expect(soft.credentials()).toHaveLength(0);
    }
  });

  it('returns the key that was touched and cancels the others', async () => {
    const bus = new SoftHidBus();
    const first = new SoftSecurityKey({ touch: 'manual' });
    const second = new SoftSecurityKey({ touch: 'manual', versions: ['FIDO_2_0'] });
    const devices = [bus.plug(first), bus.plug(second)];
    const statuses: KeyStatus[] = [];
    const choosing = selectKeyByTouch(bus, devices, { onStatus: (s) => statuses.push(s) });
    await Promise.all([first.untilTouchNeeded(), second.untilTouchNeeded()]);
    second.touch();
    const chosen = await choosing;
    opened.push(chosen);
    expect(chosen.device.path).toBe(devices[1]?.path);
    await expect.poll(() => first.waitingForTouch()).toBe(false);
    expect(hostMessages(first).some((m) => m.cmd === CTAPHID.CANCEL)).toBe(true);
    expect(statuses.filter((s) => s === 'touch_needed')).toHaveLength(1);
    await expect(chosen.getInfo()).resolves.toMatchObject({ versions: ['FIDO_2_0'] });
  });

  it('cancel while choosing cancels every key', async () => {
    const bus = new SoftHidBus();
    const keys = [new SoftSecurityKey({ touch: 'manual' }), new SoftSecurityKey({ touch: 'manual' })];
    const devices = keys.map((k) => bus.plug(k));
    const stop = new AbortController();
    const choosing = selectKeyByTouch(bus, devices, { signal: stop.signal });
    await Promise.all(keys.map((k) => k.untilTouchNeeded()));
    stop.abort();
    expect(await ctapCode(choosing)).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(keys.map((k) => k.waitingForTouch())).toEqual([false, false]);
  });
});
