/**
 * Issue 11, "Talk CTAP2 over USB HID (CTAPHID framing, INIT/CBOR/CANCEL/KEEPALIVE)": the framing
 * rules of CTAP 2.1 §11.2.4 checked on the bytes themselves, and what the client does with a key
 * that answers wrongly or not at all (cases the well-behaved software key never produces).
 */
import { describe, expect, it } from 'vitest';
import {
  BROADCAST_CID,
  CTAPHID,
  CtapHidConnection,
  MAX_MESSAGE,
  MessageAssembler,
  framePackets,
} from '../../electron/main/ctap2/ctaphid.js';
import { Ctap2Error, CtapResponseError } from '../../electron/main/ctap2/errors.js';
import type { HidReportPipe } from '../../electron/main/ctap2/transport.js';

const CID = 0x01020304;
const NONCE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

/** A device that answers each message the client completes with whatever the script says. */
class ScriptedPipe implements HidReportPipe {
  readonly written: Uint8Array[] = [];
  private readonly queue: Uint8Array[] = [];
  private readonly assemblers = new Map<number, MessageAssembler>();

  constructor(private readonly script: (cid: number, cmd: number, payload: Uint8Array) => Uint8Array[]) {}

  async write(report: Uint8Array): Promise<void> {
    this.written.push(report);
    const cid = new DataView(report.buffer, report.byteOffset).getUint32(0);
    let assembler = this.assemblers.get(cid);
    if (!assembler) {
      assembler = new MessageAssembler(cid);
      this.assemblers.set(cid, assembler);
    }
    const result = assembler.accept(report);
    if (result.kind === 'message') this.queue.push(...this.script(cid, result.cmd, result.payload));
  }

  /** Reports the key sends on its own, not in answer to anything the client just wrote. */
  inject(reports: Uint8Array[]): void {
    this.queue.push(...reports);
  }

  async read(timeoutMs: number): Promise<Uint8Array | null> {
    const next = this.queue.shift();
    if (next) return next;
    await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 5)));
    return null;
  }

  async close(): Promise<void> {}
}

function initReply(nonce: Uint8Array, cid = CID, capabilities = 0x04): Uint8Array[] {
  const payload = new Uint8Array(17);
  payload.set(nonce, 0);
  new DataView(payload.buffer).setUint32(8, cid);
  payload[12] = 2;
  payload[16] = capabilities;
  return framePackets(BROADCAST_CID, CTAPHID.INIT, payload);
}

function keyThat(answerCbor: (payload: Uint8Array) => Uint8Array[]): ScriptedPipe {
  return new ScriptedPipe((cid, cmd, payload) => {
    if (cid === BROADCAST_CID && cmd === CTAPHID.INIT) return initReply(payload);
    if (cmd === CTAPHID.CBOR) return answerCbor(payload);
    return [];
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('packets', () => {
  it('cuts a message into one initialization packet and numbered continuation packets of 64 bytes, zero-padded', () => {
    const payload = Uint8Array.from({ length: 57 + 59 + 10 }, (_, i) => i & 0xff);
    const packets = framePackets(CID, CTAPHID.CBOR, payload);
    expect(packets.map((p) => p.length)).toEqual([64, 64, 64]);
    expect(Buffer.from(packets[0]!.subarray(0, 7)).toString('hex')).toBe('01020304' + '90' + '007e');
    expect(packets[1]![4]).toBe(0);
    expect(packets[2]![4]).toBe(1);
    expect(packets[2]!.subarray(15).every((b) => b === 0)).toBe(true);
    const assembler = new MessageAssembler(CID);
    const results = packets.map((p) => assembler.accept(p));
    expect(results.at(-1)).toEqual({ kind: 'message', cmd: CTAPHID.CBOR, payload });
  });

  it('fits at most 7609 bytes (one initialization and 128 continuation packets) and refuses more', () => {
    expect(MAX_MESSAGE).toBe(7609);
    expect(framePackets(CID, CTAPHID.CBOR, new Uint8Array(MAX_MESSAGE))).toHaveLength(129);
    expect(() => framePackets(CID, CTAPHID.CBOR, new Uint8Array(MAX_MESSAGE + 1))).toThrow(Ctap2Error);
  });

  it('ignores other channels and stray continuation packets, and refuses one out of sequence', () => {
    const [first, second, third] = framePackets(CID, CTAPHID.CBOR, new Uint8Array(200));
    const assembler = new MessageAssembler(CID);
    expect(assembler.accept(framePackets(0x0a0b0c0d, CTAPHID.CBOR, Uint8Array.of(0))[0]!)).toEqual({ kind: 'other_channel' });
    expect(assembler.accept(second!)).toEqual({ kind: 'partial' });
    expect(assembler.accept(first!)).toEqual({ kind: 'partial' });
    expect(() => assembler.accept(third!)).toThrow(CtapResponseError);
  });
});

describe('the channel', () => {
  it('takes the channel from the INIT answer that carries our nonce, not from one meant for another program', async () => {
    const pipe = new ScriptedPipe((cid, cmd) =>
      cid === BROADCAST_CID && cmd === CTAPHID.INIT
        ? [...initReply(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), 0x0e0e0e0e), ...initReply(NONCE)]
        : [],
    );
    const connection = await CtapHidConnection.open(pipe, {}, NONCE);
    expect(connection.init.cid).toBe(CID);
    expect(connection.supportsCbor).toBe(true);
  });

  it('maps CTAPHID_ERROR to a Ctap2Error with its CTAP1 name', async () => {
    const pipe = keyThat(() => framePackets(CID, CTAPHID.ERROR, Uint8Array.of(0x01)));
    const connection = await CtapHidConnection.open(pipe, {}, NONCE);
    const error = await failure(connection.cbor(Uint8Array.of(0x04)));
    expect(error).toBeInstanceOf(Ctap2Error);
    expect((error as Ctap2Error).code).toBe('CTAP1_ERR_INVALID_COMMAND');
  });

  it('gives up on a key that goes silent, with CTAP1_ERR_TIMEOUT', async () => {
    const pipe = keyThat(() => []);
    const connection = await CtapHidConnection.open(pipe, { idleMs: 60, pollMs: 10 }, NONCE);
    const started = Date.now();
    const error = await failure(connection.cbor(Uint8Array.of(0x04)));
    expect((error as Ctap2Error).code).toBe('CTAP1_ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps waiting through keepalives, but not past the request limit', async () => {
    const keepalive = framePackets(CID, CTAPHID.KEEPALIVE, Uint8Array.of(2))[0]!;
    const pipe = keyThat(() => Array.from({ length: 200 }, () => keepalive));
    const connection = await CtapHidConnection.open(pipe, { idleMs: 60, pollMs: 10, requestMs: 100 }, NONCE);
    const statuses: string[] = [];
    const error = await failure(connection.cbor(Uint8Array.of(0x01), { onStatus: (s) => statuses.push(s) }));
    expect((error as Ctap2Error).code).toBe('CTAP1_ERR_TIMEOUT');
    expect(statuses).toEqual(['touch_needed']);
  });

  it('reports a cancel the key never confirms, after a short grace', async () => {
    const pipe = keyThat(() => []);
    const connection = await CtapHidConnection.open(pipe, { idleMs: 5_000, pollMs: 10, cancelGraceMs: 50 }, NONCE);
    const stop = new AbortController();
    const pending = connection.cbor(Uint8Array.of(0x01), { signal: stop.signal });
    setTimeout(() => {
      stop.abort();
    }, 20);
    expect(((await failure(pending)) as Ctap2Error).code).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(pipe.written.at(-1)?.[4]).toBe(0x80 | CTAPHID.CANCEL);
  });

  it('drops a late answer to a cancelled request, so the next request gets its own answer', async () => {
    let requests = 0;
    const pipe = keyThat(() => {
      requests += 1;
      return requests === 1 ? [] : framePackets(CID, CTAPHID.CBOR, Uint8Array.of(0x00, 0xa0));
    });
    const connection = await CtapHidConnection.open(pipe, { idleMs: 5_000, pollMs: 10, cancelGraceMs: 50 }, NONCE);
    const stop = new AbortController();
    const cancelled = connection.cbor(Uint8Array.of(0x01), { signal: stop.signal });
    setTimeout(() => {
      stop.abort();
    }, 20);
    await failure(cancelled);
    // The key confirms the cancel only now, after the client stopped waiting, and mid-way through a long answer.
    const late = framePackets(CID, CTAPHID.CBOR, new Uint8Array(100).fill(0x2d));
    pipe.inject([late[1]!, ...framePackets(CID, CTAPHID.CBOR, Uint8Array.of(0x2d))]);
    expect(await connection.cbor(Uint8Array.of(0x04))).toEqual(Uint8Array.of(0x00, 0xa0));
  });

  it('asks for a new channel once when the key has forgotten ours (ERR_INVALID_CHANNEL), and carries on there', async () => {
    const NEW_CID = 0x05060708;
    let inits = 0;
    const pipe = new ScriptedPipe((cid, cmd, payload) => {
      if (cid === BROADCAST_CID && cmd === CTAPHID.INIT) return initReply(payload, (inits += 1) === 1 ? CID : NEW_CID);
      if (cid === CID) return framePackets(CID, CTAPHID.ERROR, Uint8Array.of(0x0b));
      return framePackets(NEW_CID, CTAPHID.CBOR, Uint8Array.of(0x00));
    });
    const connection = await CtapHidConnection.open(pipe, {}, NONCE);
    expect(await connection.cbor(Uint8Array.of(0x04))).toEqual(Uint8Array.of(0x00));
    expect(connection.init.cid).toBe(NEW_CID);

    // A key that forgets every channel it gives is not retried forever.
    const forgetful = new ScriptedPipe((cid, cmd, payload) =>
      cid === BROADCAST_CID && cmd === CTAPHID.INIT ? initReply(payload) : framePackets(CID, CTAPHID.ERROR, Uint8Array.of(0x0b)),
    );
    const stuck = await CtapHidConnection.open(forgetful, {}, NONCE);
    expect(((await failure(stuck.cbor(Uint8Array.of(0x04)))) as Ctap2Error).code).toBe('CTAP1_ERR_INVALID_CHANNEL');
  });

  it('sends nothing for a request cancelled before it started', async () => {
    const pipe = keyThat(() => []);
    const connection = await CtapHidConnection.open(pipe, {}, NONCE);
    const before = pipe.written.length;
    const error = await failure(connection.cbor(Uint8Array.of(0x04), { signal: AbortSignal.abort() }));
    expect((error as Ctap2Error).code).toBe('CTAP2_ERR_KEEPALIVE_CANCEL');
    expect(pipe.written).toHaveLength(before);
  });

  it('refuses an answer to a different command', async () => {
    const pipe = keyThat(() => framePackets(CID, CTAPHID.MSG, Uint8Array.of(0x90, 0x00)));
    const connection = await CtapHidConnection.open(pipe, {}, NONCE);
    await expect(connection.cbor(Uint8Array.of(0x04))).rejects.toBeInstanceOf(CtapResponseError);
  });
});
