import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { HidGoneError } from '../../electron/main/ctap2/transport.js';
import {
  CtapCommand,
  HidCommand,
  HidError,
  KeepaliveStatus,
  SoftHidBus,
  SoftSecurityKey,
  Status,
  type SoftSecurityKeyOptions,
} from '../support/ctap2/index.js';
import type { CborValue } from '../support/ctap2/cbor.js';
import { BROADCAST_CID, CAPABILITY } from '../support/ctap2/constants.js';
import { continuationPacket, initPacket, packets, parsePacket, RawHost } from '../support/ctap2/raw-host.js';

/**
 * Issue 11, "Tests: a software CTAP2 authenticator of your own that speaks CTAPHID frames over the
 * transport interface": the key's framing driven by hand-built 64-byte reports, so what the CTAP2
 * client is later proven against is itself proven against the specification (CTAP 2.1 section 11.2).
 */

const hosts: RawHost[] = [];
const keys: SoftSecurityKey[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close().catch(() => undefined);
  // Every refusal above is a status the specification names, never the key's own error.
  for (const key of keys.splice(0)) expect(key.faults()).toEqual([]);
});

async function plugged(
  options: SoftSecurityKeyOptions = {},
): Promise<{ bus: SoftHidBus; key: SoftSecurityKey; host: RawHost; path: string }> {
  const bus = new SoftHidBus();
  const key = new SoftSecurityKey({ attestation: 'none', ...options });
  keys.push(key);
  const { path } = bus.plug(key);
  const host = await RawHost.open(bus, path);
  hosts.push(host);
  return { bus, key, host, path };
}

/** A makeCredential request as a platform sends it (no PIN), for commands that wait for a touch. */
function makeCredentialParams(rpId = 'firstkey.test', exclude: Uint8Array[] = []): Map<number, CborValue> {
  const params = new Map<number, CborValue>([
    [1, new Uint8Array(32).fill(1)],
    [
      2,
      new Map([
        ['id', rpId],
        ['name', 'FirstKey'],
      ]),
    ],
    [
      3,
      new Map<string, CborValue>([
        ['id', new Uint8Array([1, 2, 3])],
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
  if (exclude.length > 0)
    params.set(
      5,
      exclude.map(
        (id) =>
          new Map<string, CborValue>([
            ['id', id],
            ['type', 'public-key'],
          ]),
      ),
    );
  return params;
}

describe('CTAPHID_INIT', () => {
  it('answers on the broadcast channel with the nonce, a new channel, protocol version 2 and the CBOR and NMSG capabilities', async () => {
    const { host } = await plugged();
    const nonce = new Uint8Array(randomBytes(8));
    await host.send(initPacket(BROADCAST_CID, HidCommand.INIT, 8, nonce));
    const answer = await host.answer(BROADCAST_CID);
    expect(answer.command).toBe(HidCommand.INIT);
    expect(answer.payload).toHaveLength(17);
    expect(answer.payload.subarray(0, 8)).toEqual(nonce);
    const channel = new DataView(answer.payload.buffer).getUint32(8);
    expect(channel).not.toBe(0);
    expect(channel).not.toBe(BROADCAST_CID);
    expect(answer.payload[12]).toBe(2);
    expect((answer.payload[16] ?? 0) & CAPABILITY.CBOR).toBe(CAPABILITY.CBOR);
    expect((answer.payload[16] ?? 0) & CAPABILITY.NMSG).toBe(CAPABILITY.NMSG);
    // The channel works: PING echoes on it.
    const ping = await host.transact(channel, HidCommand.PING, Uint8Array.of(1, 2, 3));
    expect(ping).toMatchObject({ command: HidCommand.PING, payload: Uint8Array.of(1, 2, 3) });
  });

  it('gives each INIT its own channel, refuses a nonce that is not 8 bytes, and answers only channels it allocated', async () => {
    const { host } = await plugged();
    const a = await host.allocate();
    const b = await host.allocate();
    expect(a).not.toBe(b);
    await host.send(initPacket(BROADCAST_CID, HidCommand.INIT, 4, Uint8Array.of(1, 2, 3, 4)));
    expect(await host.answer(BROADCAST_CID)).toMatchObject({ command: HidCommand.ERROR, payload: Uint8Array.of(HidError.INVALID_LEN) });
    const stranger = 0x01020304;
    expect(await host.transact(stranger, HidCommand.PING, Uint8Array.of(9))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.INVALID_CHANNEL),
    });
    expect(await host.transact(BROADCAST_CID, HidCommand.PING, Uint8Array.of(9))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.INVALID_CHANNEL),
    });
  });

  it('refuses CTAP1 MSG, since it announces NMSG', async () => {
    const { host } = await plugged();
    const cid = await host.allocate();
    expect(await host.transact(cid, HidCommand.MSG, new Uint8Array(10))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.INVALID_CMD),
    });
  });
});

describe('fragmented messages', () => {
  it('reassembles a message split over continuation packets and answers in as many, numbered from 0', async () => {
    const { host, key } = await plugged();
    const cid = await host.allocate();
    const payload = new Uint8Array(randomBytes(300));
    const sent = packets(cid, HidCommand.PING, payload);
    expect(sent).toHaveLength(6); // 57 + 4 * 59 = 293 < 300
    const answer = await host.transact(cid, HidCommand.PING, payload);
    expect(answer.payload).toEqual(payload);
    const out = key
      .frames()
      .filter((f) => f.from === 'key')
      .slice(-6)
      .map((f) => parsePacket(f.report));
    expect(out.map((p) => p.seq ?? `init ${p.length}`)).toEqual(['init 300', 0, 1, 2, 3, 4]);
  });

  it('takes a CTAP2 request longer than one packet (makeCredential) and answers it', async () => {
    const { host } = await plugged();
    const cid = await host.allocate();
    const before = Date.now();
    const { status, body } = await host.cbor(
      cid,
      CtapCommand.makeCredential,
      makeCredentialParams('a-long-relying-party-name.firstkey.test'),
    );
    expect(status).toBe(Status.CTAP2_OK);
    expect(body?.get(1)).toBe('none');
    expect(Date.now() - before).toBeLessThan(2000);
  });

  it('answers ERR_INVALID_SEQ to a continuation out of order, drops that message, and takes the next one', async () => {
    const { host } = await plugged();
    const cid = await host.allocate();
    const payload = new Uint8Array(200).fill(7);
    const [first, , second] = packets(cid, HidCommand.PING, payload);
    if (!first || !second) throw new Error('expected three packets');
    await host.send(first, second); // sequence 1 where 0 was due
    expect(await host.answer(cid)).toMatchObject({ command: HidCommand.ERROR, payload: Uint8Array.of(HidError.INVALID_SEQ) });
    const again = await host.transact(cid, HidCommand.PING, Uint8Array.of(5, 6));
    expect(again.payload).toEqual(Uint8Array.of(5, 6));
  });

  it('answers ERR_MSG_TIMEOUT when a continuation never comes', async () => {
    const { host } = await plugged({ messageTimeoutMs: 50 });
    const cid = await host.allocate();
    await host.send(initPacket(cid, HidCommand.PING, 100, new Uint8Array(57)));
    expect(await host.answer(cid)).toMatchObject({ command: HidCommand.ERROR, payload: Uint8Array.of(HidError.MSG_TIMEOUT) });
  });

  it('refuses a message longer than its maxMsgSize with ERR_INVALID_LEN', async () => {
    const { host } = await plugged({ maxMessageSize: 1200 });
    const cid = await host.allocate();
    await host.send(initPacket(cid, HidCommand.CBOR, 1201, new Uint8Array(57)));
    expect(await host.answer(cid)).toMatchObject({ command: HidCommand.ERROR, payload: Uint8Array.of(HidError.INVALID_LEN) });
  });

  it('ignores a stray continuation packet', async () => {
    const { host } = await plugged();
    const cid = await host.allocate();
    await host.send(continuationPacket(cid, 0, new Uint8Array(59)));
    expect((await host.transact(cid, HidCommand.PING, Uint8Array.of(1))).payload).toEqual(Uint8Array.of(1));
  });
});

describe('one transaction at a time', () => {
  it('answers ERR_CHANNEL_BUSY to a second channel while one waits for a touch, then serves it', async () => {
    const { host, key } = await plugged({ touch: 'manual' });
    const a = await host.allocate();
    const b = await host.allocate();
    await host.sendCbor(a, CtapCommand.makeCredential, makeCredentialParams());
    await key.untilTouchNeeded();
    expect(await host.transact(b, HidCommand.PING, Uint8Array.of(1))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.CHANNEL_BUSY),
    });
    expect(key.touch()).toBe(true);
    expect((await host.cborAnswer(a)).status).toBe(Status.CTAP2_OK);
    expect((await host.transact(b, HidCommand.PING, Uint8Array.of(1))).payload).toEqual(Uint8Array.of(1));
  });

  it('busyWith() stands for another application: every other channel gets ERR_CHANNEL_BUSY until it ends', async () => {
    const { host, key } = await plugged();
    const cid = await host.allocate();
    key.busyWith(0x0badcafe);
    expect(await host.transact(cid, HidCommand.CBOR, Uint8Array.of(CtapCommand.getInfo))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.CHANNEL_BUSY),
    });
    key.busyWith(null);
    expect((await host.cbor(cid, CtapCommand.getInfo)).status).toBe(Status.CTAP2_OK);
  });

  it('INIT on a busy channel resynchronises it: the pending command is dropped unanswered', async () => {
    const { host, key } = await plugged({ touch: 'manual' });
    const cid = await host.allocate();
    await host.sendCbor(cid, CtapCommand.makeCredential, makeCredentialParams());
    await key.untilTouchNeeded();
    const nonce = new Uint8Array(randomBytes(8));
    await host.send(initPacket(cid, HidCommand.INIT, 8, nonce));
    const answer = await host.answer(cid);
    expect(answer.command).toBe(HidCommand.INIT);
    expect(new DataView(answer.payload.buffer).getUint32(8)).toBe(cid);
    expect(key.waitingForTouch()).toBe(false);
    expect(key.credentials()).toEqual([]);
  });
});

describe('waiting for a touch', () => {
  it('sends KEEPALIVE UP_NEEDED at once and at least every keepalive interval until touched, then answers', async () => {
    const { host, key } = await plugged({ touch: 'manual', keepaliveMs: 20 });
    const cid = await host.allocate();
    await host.sendCbor(cid, CtapCommand.makeCredential, makeCredentialParams());
    const first = await host.packet(cid, 50);
    expect(first).toMatchObject({ command: HidCommand.KEEPALIVE, data: Uint8Array.of(KeepaliveStatus.UP_NEEDED) });
    await new Promise((resolve) => setTimeout(resolve, 110));
    key.touch();
    const { status, keepalives } = await host.cborAnswer(cid);
    expect(status).toBe(Status.CTAP2_OK);
    expect(keepalives.length).toBeGreaterThanOrEqual(3);
    expect(new Set(keepalives)).toEqual(new Set([KeepaliveStatus.UP_NEEDED]));
  });

  it('CANCEL during the wait ends it with CTAP2_ERR_KEEPALIVE_CANCEL and creates nothing', async () => {
    const { host, key } = await plugged({ touch: 'manual' });
    const cid = await host.allocate();
    await host.sendCbor(cid, CtapCommand.makeCredential, makeCredentialParams());
    await key.untilTouchNeeded();
    await host.send(initPacket(cid, HidCommand.CANCEL, 0, new Uint8Array(0)));
    const { status } = await host.cborAnswer(cid);
    expect(status).toBe(Status.CTAP2_ERR_KEEPALIVE_CANCEL);
    expect(key.touch()).toBe(false);
    expect(key.credentials()).toEqual([]);
  });

  it('a CANCEL from another channel, or with nothing pending, is ignored', async () => {
    const { host, key } = await plugged({ touch: 'manual' });
    const a = await host.allocate();
    const b = await host.allocate();
    await host.send(initPacket(a, HidCommand.CANCEL, 0, new Uint8Array(0)));
    await host.sendCbor(a, CtapCommand.makeCredential, makeCredentialParams());
    await key.untilTouchNeeded();
    await host.send(initPacket(b, HidCommand.CANCEL, 0, new Uint8Array(0)));
    key.touch();
    expect((await host.cborAnswer(a)).status).toBe(Status.CTAP2_OK);
  });

  it('times out with CTAP2_ERR_USER_ACTION_TIMEOUT when nobody touches it', async () => {
    const { host, key } = await plugged({ touch: 'manual', touchTimeoutMs: 60 });
    const cid = await host.allocate();
    const { status } = await host.cbor(cid, CtapCommand.makeCredential, makeCredentialParams());
    expect(status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
    expect(key.credentials()).toEqual([]);
  });
});

describe('a key pulled out', () => {
  it('fails pending reads and later writes with HidGoneError, leaves the bus, and keeps nothing of the interrupted command', async () => {
    const { bus, key, host, path } = await plugged({ touch: 'manual' });
    const cid = await host.allocate();
    await host.sendCbor(cid, CtapCommand.makeCredential, makeCredentialParams());
    await key.untilTouchNeeded();
    expect((await host.packet(cid)).command).toBe(HidCommand.KEEPALIVE);
    const pending = host.pipe.read(5000);
    bus.unplug(key);
    await expect(pending).rejects.toBeInstanceOf(HidGoneError);
    await expect(host.pipe.write(new Uint8Array(64))).rejects.toBeInstanceOf(HidGoneError);
    await expect(bus.open(path)).rejects.toBeInstanceOf(HidGoneError);
    expect(await bus.list()).toEqual([]);
    expect(key.credentials()).toEqual([]);

    const again = bus.plug(key);
    expect(again.path).not.toBe(path);
    expect(await bus.list()).toEqual([again]);
    const fresh = await RawHost.open(bus, again.path);
    hosts.push(fresh);
    // Channels do not survive power loss.
    expect(await fresh.transact(cid, HidCommand.PING, Uint8Array.of(1))).toMatchObject({
      command: HidCommand.ERROR,
      payload: Uint8Array.of(HidError.INVALID_CHANNEL),
    });
  });

  it('refuses reports that are not 64 bytes, as a HID pipe would', async () => {
    const { host } = await plugged();
    await expect(host.pipe.write(new Uint8Array(65))).rejects.toThrow(RangeError);
  });
});

describe('frames()', () => {
  it('records every report both ways, in order', async () => {
    const { host, key } = await plugged();
    const cid = await host.allocate();
    await host.transact(cid, HidCommand.PING, Uint8Array.of(42));
    const frames = key.frames().map((f) => ({ from: f.from, ...parsePacket(f.report) }));
    expect(frames.map((f) => [f.from, f.command])).toEqual([
      ['host', HidCommand.INIT],
      ['key', HidCommand.INIT],
      ['host', HidCommand.PING],
      ['key', HidCommand.PING],
    ]);
  });
});
