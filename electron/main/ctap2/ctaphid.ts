/**
 * CTAPHID, the USB HID transport of CTAP 2.1 §11.2: messages cut into 64-byte packets (an
 * initialization packet with the command and length, then continuation packets numbered 0..127),
 * a channel of our own allocated with CTAPHID_INIT and a nonce, keepalives while the key waits for
 * a touch, CTAPHID_CANCEL, CTAPHID_ERROR, and a bounded retry while another program keeps the key
 * busy. The pipe beneath carries reports and nothing else (transport.ts).
 */
import { randomBytes } from 'node:crypto';
import { Ctap2Error, CtapResponseError, STATUS } from './errors.js';
import { HID_REPORT_SIZE, type HidReportPipe } from './transport.js';
import type { Control, KeyStatus } from './types.js';

export const CTAPHID = {
  PING: 0x01,
  MSG: 0x03,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;

export const BROADCAST_CID = 0xffffffff;
/** CTAPHID_INIT response capability flags (§11.2.9.1.3). */
export const CAPABILITY = { WINK: 0x01, CBOR: 0x04, NMSG: 0x08 } as const;

const TYPE_INIT = 0x80;
const INIT_DATA = HID_REPORT_SIZE - 7;
const CONT_DATA = HID_REPORT_SIZE - 5;
/** One initialization packet and continuation packets with sequence numbers 0..127. */
export const MAX_MESSAGE = INIT_DATA + 128 * CONT_DATA;
const KEEPALIVE_UPNEEDED = 2;

/** The packets of one message on one channel, each a full report padded with zeros. */
export function framePackets(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE) throw new Ctap2Error(0x39, `a ${payload.length}-byte message does not fit CTAPHID`);
  const packets: Uint8Array[] = [];
  const first = new Uint8Array(HID_REPORT_SIZE);
  const view = new DataView(first.buffer);
  view.setUint32(0, cid);
  first[4] = TYPE_INIT | cmd;
  view.setUint16(5, payload.length);
  first.set(payload.subarray(0, INIT_DATA), 7);
  packets.push(first);
  for (let at = INIT_DATA, seq = 0; at < payload.length; at += CONT_DATA, seq += 1) {
    const packet = new Uint8Array(HID_REPORT_SIZE);
    new DataView(packet.buffer).setUint32(0, cid);
    packet[4] = seq;
    packet.set(payload.subarray(at, at + CONT_DATA), 5);
    packets.push(packet);
  }
  return packets;
}

export type Assembled = { kind: 'other_channel' } | { kind: 'partial' } | { kind: 'message'; cmd: number; payload: Uint8Array };

/** Puts one channel's message back together from its packets, in order or not at all. */
export class MessageAssembler {
  private cmd = 0;
  private payload: Uint8Array | null = null;
  private filled = 0;
  private nextSeq = 0;

  constructor(private readonly cid: number) {}

  accept(report: Uint8Array): Assembled {
    if (report.length < HID_REPORT_SIZE) throw new CtapResponseError(`a ${report.length}-byte report is shorter than a CTAPHID packet`);
    const view = new DataView(report.buffer, report.byteOffset, report.byteLength);
    // Other programs may talk to the same key on their own channels; their answers are not ours.
    if (view.getUint32(0) !== this.cid) return { kind: 'other_channel' };
    const type = report[4] ?? 0;
    if ((type & TYPE_INIT) !== 0) {
      const length = view.getUint16(5);
      if (length > MAX_MESSAGE) throw new CtapResponseError(`the key announced a ${length}-byte message`);
      this.cmd = type & ~TYPE_INIT;
      this.payload = new Uint8Array(length);
      this.filled = Math.min(length, INIT_DATA);
      this.payload.set(report.subarray(7, 7 + this.filled));
      this.nextSeq = 0;
    } else {
      // The tail of a message we stopped listening to (a cancel, a timeout): not the start of anything.
      if (this.payload === null) return { kind: 'partial' };
      if (type !== this.nextSeq) throw new CtapResponseError(`continuation packet ${type} arrived where ${this.nextSeq} was due`);
      const take = Math.min(CONT_DATA, this.payload.length - this.filled);
      this.payload.set(report.subarray(5, 5 + take), this.filled);
      this.filled += take;
      this.nextSeq += 1;
    }
    if (this.filled < this.payload.length) return { kind: 'partial' };
    const message = { kind: 'message' as const, cmd: this.cmd, payload: this.payload };
    this.payload = null;
    return message;
  }
}

export interface CtapHidTimings {
  /** How long the key may stay silent (no packet, no keepalive) before we give up on it. */
  idleMs: number;
  /** How long one request may last in all, keepalives included (a touch the person never gives). */
  requestMs: number;
  /** How long we wait for the key to confirm a CTAPHID_CANCEL before reporting the cancel anyway. */
  cancelGraceMs: number;
  /** How often an abort is noticed while a read is pending. */
  pollMs: number;
  /** Retries while the key answers ERR_CHANNEL_BUSY (another program is mid-request). */
  busyRetries: number;
  busyBackoffMs: number;
}

export const DEFAULT_TIMINGS: CtapHidTimings = {
  idleMs: 5_000,
  requestMs: 120_000,
  cancelGraceMs: 1_000,
  pollMs: 100,
  busyRetries: 10,
  busyBackoffMs: 100,
};

export interface InitResult {
  cid: number;
  protocolVersion: number;
  deviceVersion: [number, number, number];
  capabilities: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const cancelled = (): Ctap2Error => new Ctap2Error(STATUS.KEEPALIVE_CANCEL, 'cancelled');

/** CTAPHID_INIT on the broadcast channel with a random nonce; the answer carrying our nonce gives our channel. */
async function allocateChannel(pipe: HidReportPipe, timings: CtapHidTimings, nonce: Uint8Array): Promise<InitResult> {
  for (let attempt = 0; ; attempt += 1) {
    for (const packet of framePackets(BROADCAST_CID, CTAPHID.INIT, nonce)) await pipe.write(packet);
    const answer = await receive(pipe, BROADCAST_CID, CTAPHID.INIT, timings, {}, (payload) => matchesNonce(payload, nonce));
    if (answer === 'busy') {
      if (attempt >= timings.busyRetries) throw new Ctap2Error(STATUS.CHANNEL_BUSY);
      await sleep(timings.busyBackoffMs * (attempt + 1));
      continue;
    }
    if (answer.length < 17) throw new CtapResponseError('CTAPHID_INIT answer too short');
    const view = new DataView(answer.buffer, answer.byteOffset, answer.byteLength);
    const cid = view.getUint32(8);
    if (cid === 0 || cid === BROADCAST_CID) throw new CtapResponseError('the key allocated a reserved channel');
    return {
      cid,
      protocolVersion: answer[12] ?? 0,
      deviceVersion: [answer[13] ?? 0, answer[14] ?? 0, answer[15] ?? 0],
      capabilities: answer[16] ?? 0,
    };
  }
}

/** One CTAPHID channel on one opened key. Requests run one at a time, as the channel allows. */
export class CtapHidConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private unsettled = false;

  private constructor(
    private readonly pipe: HidReportPipe,
    private channel: InitResult,
    private readonly timings: CtapHidTimings,
  ) {}

  static async open(
    pipe: HidReportPipe,
    timings: Partial<CtapHidTimings> = {},
    nonce: Uint8Array = randomBytes(8),
  ): Promise<CtapHidConnection> {
    const all = { ...DEFAULT_TIMINGS, ...timings };
    return new CtapHidConnection(pipe, await allocateChannel(pipe, all, nonce), all);
  }

  get init(): InitResult {
    return this.channel;
  }

  get supportsCbor(): boolean {
    return (this.init.capabilities & CAPABILITY.CBOR) !== 0;
  }

  /** One CTAPHID_CBOR request: the command byte and its CBOR in, the status byte and CBOR out. */
  cbor(request: Uint8Array, control: Control = {}): Promise<Uint8Array> {
    return this.exclusive(() => this.transact(CTAPHID.CBOR, request, control));
  }

  /** Sends CTAPHID_CANCEL for whatever request is pending on our channel (it has no answer of its own). */
  async cancel(): Promise<void> {
    for (const packet of framePackets(this.init.cid, CTAPHID.CANCEL, new Uint8Array(0))) await this.pipe.write(packet);
  }

  async close(): Promise<void> {
    await this.pipe.close();
  }

  /** Reads and drops whatever the key still had to say about an earlier request, until it falls silent. */
  private async drain(): Promise<void> {
    const until = Date.now() + this.timings.cancelGraceMs;
    while (Date.now() < until && (await this.pipe.read(Math.min(this.timings.pollMs, 20))) !== null) {
      // dropped
    }
    this.unsettled = false;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transact(cmd: number, payload: Uint8Array, control: Control): Promise<Uint8Array> {
    let reallocated = false;
    for (let attempt = 0; ; attempt += 1) {
      if (control.signal?.aborted === true) throw cancelled();
      if (this.unsettled) await this.drain();
      for (const packet of framePackets(this.init.cid, cmd, payload)) await this.pipe.write(packet);
      let answer: Uint8Array | 'busy';
      try {
        answer = await receive(this.pipe, this.init.cid, cmd, this.timings, control, () => true);
      } catch (error) {
        // The key forgot our channel (it was reset, or gave it to another program): ask for a new one and try again, once.
        if (error instanceof Ctap2Error && error.status === STATUS.INVALID_CHANNEL && !reallocated) {
          reallocated = true;
          this.channel = await allocateChannel(this.pipe, this.timings, randomBytes(8));
          attempt -= 1;
          continue;
        }
        // A request that ended without its whole answer may still be answered late; that answer is not the next request's.
        this.unsettled = true;
        throw error;
      }
      if (answer !== 'busy') return answer;
      if (attempt >= this.timings.busyRetries) throw new Ctap2Error(STATUS.CHANNEL_BUSY, 'another program kept the key busy');
      await sleep(this.timings.busyBackoffMs * (attempt + 1), control.signal);
    }
  }
}

function matchesNonce(payload: Uint8Array, nonce: Uint8Array): boolean {
  return payload.length >= nonce.length && nonce.every((b, i) => payload[i] === b);
}

/**
 * Reads until the answer to `cmd` on `cid`: keepalives reported and waited through, errors thrown
 * (except busy, returned so the caller can retry), an abort turned into CTAPHID_CANCEL.
 */
async function receive(
  pipe: HidReportPipe,
  cid: number,
  cmd: number,
  timings: CtapHidTimings,
  control: Control,
  isOurs: (payload: Uint8Array) => boolean,
): Promise<Uint8Array | 'busy'> {
  const assembler = new MessageAssembler(cid);
  const started = Date.now();
  let lastHeard = started;
  let cancelSentAt: number | null = null;
  let lastStatus: KeyStatus | null = null;
  for (;;) {
    const now = Date.now();
    if (control.signal?.aborted === true && cancelSentAt === null) {
      for (const packet of framePackets(cid, CTAPHID.CANCEL, new Uint8Array(0))) await pipe.write(packet);
      cancelSentAt = now;
    }
    if (cancelSentAt !== null && now - cancelSentAt > timings.cancelGraceMs) throw cancelled();
    if (now - lastHeard > timings.idleMs) throw new Ctap2Error(STATUS.TIMEOUT, 'the key stopped answering');
    if (now - started > timings.requestMs) throw new Ctap2Error(STATUS.TIMEOUT, 'the request took too long');
    const report = await pipe.read(Math.max(1, Math.min(timings.pollMs, timings.idleMs - (now - lastHeard))));
    if (report === null) continue;
    const assembled = assembler.accept(report);
    if (assembled.kind === 'other_channel') continue;
    lastHeard = Date.now();
    if (assembled.kind === 'partial') continue;
    if (assembled.cmd === CTAPHID.KEEPALIVE) {
      const status: KeyStatus = assembled.payload[0] === KEEPALIVE_UPNEEDED ? 'touch_needed' : 'processing';
      if (status !== lastStatus) control.onStatus?.(status);
      lastStatus = status;
      continue;
    }
    if (assembled.cmd === CTAPHID.ERROR) {
      const code = assembled.payload[0] ?? STATUS.OTHER;
      if (code === STATUS.CHANNEL_BUSY && cancelSentAt === null) return 'busy';
      throw cancelSentAt === null ? new Ctap2Error(code) : cancelled();
    }
    if (assembled.cmd !== cmd)
      throw new CtapResponseError(`the key answered command 0x${cmd.toString(16)} with 0x${assembled.cmd.toString(16)}`);
    if (!isOurs(assembled.payload)) continue;
    // Whatever the key finished with after we cancelled (usually KEEPALIVE_CANCEL), the caller asked to stop.
    if (cancelSentAt !== null) throw cancelled();
    return assembled.payload;
  }
}
