import { randomInt } from 'node:crypto';
import { BROADCAST_CID, CAPABILITY, CtapStatusError, HidCommand, HidError, KeepaliveStatus, Status } from './constants.js';

/**
 * The device side of CTAPHID (CTAP 2.1 section 11.2): 64-byte reports in,
 * messages reassembled from an initialisation packet and continuation packets
 * with sequence numbers 0..127, channels allocated by INIT on the broadcast
 * channel, one transaction at a time (others get ERR_CHANNEL_BUSY), KEEPALIVE
 * while a CBOR command waits, CANCEL, ERROR for every framing fault.
 */

export const REPORT_SIZE = 64;
const INIT_DATA = REPORT_SIZE - 7;
const CONT_DATA = REPORT_SIZE - 5;
/** The largest message the framing can carry: one initialisation and 128 continuation packets. */
export const MAX_FRAMED_MESSAGE = INIT_DATA + 128 * CONT_DATA;

export type DeviceStatus = 'processing' | 'up_needed';

/** What a CBOR command sees of the transport: whether it was cancelled, and a way to say it waits for a touch. */
export interface CommandContext {
  signal: AbortSignal;
  setStatus(status: DeviceStatus): void;
}

export interface CtapHidDeviceOptions {
  /** Sends one report to the host. */
  emit(report: Uint8Array): void;
  /** Runs one authenticator command (the CBOR message: command byte, then parameters) and returns status byte and CBOR. */
  handleCbor(message: Uint8Array, context: CommandContext): Promise<Uint8Array>;
  /** Largest message accepted (getInfo's maxMsgSize). */
  maxMessageSize: number;
  /** How long the device waits for the next continuation packet before ERR_MSG_TIMEOUT. */
  messageTimeoutMs: number;
  /** Interval of KEEPALIVE reports while a command runs. */
  keepaliveMs: number;
}

interface Assembling {
  phase: 'assembling';
  cid: number;
  command: number;
  length: number;
  parts: Uint8Array[];
  received: number;
  nextSeq: number;
  timer: ReturnType<typeof setTimeout>;
}

interface Processing {
  phase: 'processing';
  cid: number;
  abort: AbortController;
  status: DeviceStatus;
  keepalive: ReturnType<typeof setInterval>;
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at);
}

export class CtapHidDevice {
  private readonly channels = new Set<number>();
  private transaction: Assembling | Processing | null = null;
  /** Set by busyWith(): another application's transaction, as far as this host can tell. */
  private foreignBusy: number | null = null;

  constructor(private readonly options: CtapHidDeviceOptions) {}

  /** The channel a foreign transaction holds (null: none); every other channel's request gets ERR_CHANNEL_BUSY. */
  busyWith(cid: number | null): void {
    this.foreignBusy = cid;
  }

  /** Power lost: channels, the transaction in progress (cancelled, its answer never sent) and every timer go. */
  powerOff(): void {
    this.endTransaction(true);
    this.channels.clear();
    this.foreignBusy = null;
  }

  receive(report: Uint8Array): void {
    if (report.length !== REPORT_SIZE) return;
    const cid = u32(report, 0);
    const first = report[4] ?? 0;
    if (first & 0x80) this.initPacket(cid, first & 0x7f, report);
    else this.continuationPacket(cid, first, report);
  }

  private initPacket(cid: number, command: number, report: Uint8Array): void {
    const length = ((report[5] ?? 0) << 8) | (report[6] ?? 0);
    const data = report.slice(7, 7 + Math.min(length, INIT_DATA));
    if (cid === 0) {
      this.error(cid, HidError.INVALID_CHANNEL);
      return;
    }

    if (command === HidCommand.INIT) {
      this.init(cid, length, data);
      return;
    }
    if (cid === BROADCAST_CID || !this.channels.has(cid)) {
      this.error(cid, HidError.INVALID_CHANNEL);
      return;
    }

    const current = this.transaction;
    if (command === HidCommand.CANCEL) {
      // A CANCEL has no answer of its own: the cancelled command answers CTAP2_ERR_KEEPALIVE_CANCEL.
      if (current?.phase === 'processing' && current.cid === cid) current.abort.abort();
      return;
    }
    if ((this.foreignBusy !== null && this.foreignBusy !== cid) || (current && current.cid !== cid)) {
      this.error(cid, HidError.CHANNEL_BUSY);
      return;
    }
    if (current?.phase === 'processing') {
      this.error(cid, HidError.CHANNEL_BUSY);
      return;
    }
    if (current?.phase === 'assembling') {
      // A new message before the last one was complete: the sequence is broken.
      this.endTransaction(false);
      this.error(cid, HidError.INVALID_SEQ);
      return;
    }
    if (length > this.options.maxMessageSize || length > MAX_FRAMED_MESSAGE) {
      this.error(cid, HidError.INVALID_LEN);
      return;
    }

    const assembling: Assembling = {
      phase: 'assembling',
      cid,
      command,
      length,
      parts: [data],
      received: data.length,
      nextSeq: 0,
      timer: setTimeout(() => {
        if (this.transaction !== assembling) return;
        this.transaction = null;
        this.error(cid, HidError.MSG_TIMEOUT);
      }, this.options.messageTimeoutMs),
    };
    this.transaction = assembling;
    if (assembling.received >= length) this.dispatch(assembling);
  }

  private continuationPacket(cid: number, seq: number, report: Uint8Array): void {
    const current = this.transaction;
    if (!current || !this.channels.has(cid)) return; // a stray continuation is ignored, as the specification says
    if (current.cid !== cid) {
      this.error(cid, HidError.CHANNEL_BUSY);
      return;
    }
    if (current.phase !== 'assembling') return;
    if (seq !== current.nextSeq) {
      this.endTransaction(false);
      this.error(cid, HidError.INVALID_SEQ);
      return;
    }
    const data = report.slice(5, 5 + Math.min(CONT_DATA, current.length - current.received));
    current.parts.push(data);
    current.received += data.length;
    current.nextSeq++;
    if (current.received >= current.length) this.dispatch(current);
  }

  private init(cid: number, length: number, nonce: Uint8Array): void {
    if (length !== 8) {
      this.error(cid, HidError.INVALID_LEN);
      return;
    }
    let channel = cid;
    if (cid === BROADCAST_CID) {
      do channel = randomInt(1, 0xffffffff);
      while (this.channels.has(channel));
      this.channels.add(channel);
    } else {
      if (!this.channels.has(cid)) {
        this.error(cid, HidError.INVALID_CHANNEL);
        return;
      }
      // INIT on an allocated channel resynchronises it: whatever it was doing is dropped unanswered.
      if (this.transaction?.cid === cid) this.endTransaction(true);
    }
    const answer = new Uint8Array(17);
    answer.set(nonce, 0);
    new DataView(answer.buffer).setUint32(8, channel);
    answer[12] = 2; // CTAPHID protocol version
    answer[13] = 1; // device version major.minor.build
    answer[14] = 0;
    answer[15] = 0;
    answer[16] = CAPABILITY.WINK | CAPABILITY.CBOR | CAPABILITY.NMSG;
    this.send(cid, HidCommand.INIT, answer);
  }

  private dispatch(message: Assembling): void {
    clearTimeout(message.timer);
    const payload = new Uint8Array(message.length);
    let at = 0;
    for (const part of message.parts) {
      payload.set(part.subarray(0, message.length - at), at);
      at += part.length;
    }
    this.transaction = null;
    switch (message.command) {
      case HidCommand.PING: {
        this.send(message.cid, HidCommand.PING, payload);
        return;
      }
      case HidCommand.WINK: {
        this.send(message.cid, HidCommand.WINK, new Uint8Array(0));
        return;
      }
      case HidCommand.CBOR:
        if (payload.length === 0) {
          this.error(message.cid, HidError.INVALID_LEN);
          return;
        }
        {
          this.runCbor(message.cid, payload);
          return;
        }
      default: {
        // MSG (CTAP1/U2F) included: INIT announced NMSG.
        this.error(message.cid, HidError.INVALID_CMD);
        return;
      }
    }
  }

  private runCbor(cid: number, payload: Uint8Array): void {
    const abort = new AbortController();
    const processing: Processing = {
      phase: 'processing',
      cid,
      abort,
      status: 'processing',
      keepalive: setInterval(() => {
        this.keepalive(processing);
      }, this.options.keepaliveMs),
    };
    this.transaction = processing;
    const context: CommandContext = {
      signal: abort.signal,
      setStatus: (status) => {
        if (this.transaction !== processing || processing.status === status) return;
        processing.status = status;
        // The host learns at once that a touch is wanted, not a keepalive interval later.
        if (status === 'up_needed') this.keepalive(processing);
      },
    };
    void this.options
      .handleCbor(payload, context)
      .catch((error: unknown) => {
        if (error instanceof CtapStatusError) return Uint8Array.of(error.status);
        if (abort.signal.aborted) return Uint8Array.of(Status.CTAP2_ERR_KEEPALIVE_CANCEL);
        return Uint8Array.of(Status.CTAP1_ERR_OTHER);
      })
      .then((answer) => {
        // Resynchronised or powered off meanwhile: that transaction no longer exists.
        if (this.transaction !== processing) return;
        clearInterval(processing.keepalive);
        this.transaction = null;
        this.send(cid, HidCommand.CBOR, answer);
      });
  }

  private keepalive(processing: Processing): void {
    if (this.transaction !== processing) return;
    this.send(
      processing.cid,
      HidCommand.KEEPALIVE,
      Uint8Array.of(processing.status === 'up_needed' ? KeepaliveStatus.UP_NEEDED : KeepaliveStatus.PROCESSING),
    );
  }

  private endTransaction(abortCommand: boolean): void {
    const current = this.transaction;
    this.transaction = null;
    if (!current) return;
    if (current.phase === 'assembling') clearTimeout(current.timer);
    else {
      clearInterval(current.keepalive);
      if (abortCommand) current.abort.abort();
    }
  }

  private error(cid: number, code: number): void {
    this.send(cid, HidCommand.ERROR, Uint8Array.of(code));
  }

  /** Frames a message into an initialisation packet and as many continuation packets as it needs. */
  private send(cid: number, command: number, payload: Uint8Array): void {
    const first = new Uint8Array(REPORT_SIZE);
    const view = new DataView(first.buffer);
    view.setUint32(0, cid);
    first[4] = 0x80 | command;
    view.setUint16(5, payload.length);
    first.set(payload.subarray(0, INIT_DATA), 7);
    this.options.emit(first);
    let at = INIT_DATA;
    for (let seq = 0; at < payload.length; seq++, at += CONT_DATA) {
      const next = new Uint8Array(REPORT_SIZE);
      new DataView(next.buffer).setUint32(0, cid);
      next[4] = seq;
      next.set(payload.subarray(at, at + CONT_DATA), 5);
      this.options.emit(next);
    }
  }
}
