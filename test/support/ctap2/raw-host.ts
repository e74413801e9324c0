import { randomBytes } from 'node:crypto';
import type { HidBus, HidReportPipe } from '../../../electron/main/ctap2/transport.js';
import { decodeCanonical, encodeCanonical, type CborValue, type Decoded } from './cbor.js';
import { BROADCAST_CID, HidCommand } from './constants.js';

/**
 * Hand-built CTAPHID frames for the software key's own tests: packets made and
 * read byte by byte, with no CTAP2 client in between (the client under test is
 * proven against the key, so the key cannot be proven with that client).
 */

export interface Packet {
  cid: number;
  /** Initialisation packet: the command (without the top bit). */
  command?: number;
  /** Initialisation packet: the message length it announces. */
  length?: number;
  /** Continuation packet: its sequence number. */
  seq?: number;
  data: Uint8Array;
}

export function initPacket(cid: number, command: number, length: number, data: Uint8Array): Uint8Array {
  const report = new Uint8Array(64);
  const view = new DataView(report.buffer);
  view.setUint32(0, cid);
  report[4] = 0x80 | command;
  view.setUint16(5, length);
  report.set(data.subarray(0, 57), 7);
  return report;
}

export function continuationPacket(cid: number, seq: number, data: Uint8Array): Uint8Array {
  const report = new Uint8Array(64);
  new DataView(report.buffer).setUint32(0, cid);
  report[4] = seq;
  report.set(data.subarray(0, 59), 5);
  return report;
}

/** A message cut into the packets CTAPHID carries it in. */
export function packets(cid: number, command: number, payload: Uint8Array): Uint8Array[] {
  const out = [initPacket(cid, command, payload.length, payload)];
  for (let at = 57, seq = 0; at < payload.length; at += 59, seq++) out.push(continuationPacket(cid, seq, payload.subarray(at)));
  return out;
}

export function parsePacket(report: Uint8Array): Packet {
  const view = new DataView(report.buffer, report.byteOffset, report.byteLength);
  const cid = view.getUint32(0);
  const first = report[4] ?? 0;
  if (first & 0x80) {
    const length = view.getUint16(5);
    return { cid, command: first & 0x7f, length, data: report.slice(7, 7 + Math.min(length, 57)) };
  }
  return { cid, seq: first, data: report.slice(5) };
}

export interface Answer {
  command: number;
  payload: Uint8Array;
  /** KEEPALIVE status bytes seen before the answer. */
  keepalives: number[];
}

export class RawHost {
  private constructor(readonly pipe: HidReportPipe) {}

  static async open(bus: HidBus, path: string): Promise<RawHost> {
    return new RawHost(await bus.open(path));
  }

  async send(...reports: Uint8Array[]): Promise<void> {
    for (const report of reports) await this.pipe.write(report);
  }

  /** The next packet for `cid` (others' packets are skipped, as a client does); throws when none comes in time. */
  async packet(cid: number, timeoutMs = 2000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.pipe.read(Math.max(1, deadline - Date.now()));
      if (!report) throw new Error(`no packet for channel ${cid.toString(16)} within ${timeoutMs} ms`);
      const packet = parsePacket(report);
      if (packet.cid === cid) return packet;
    }
  }

  /** Reassembles the next complete message on `cid`, collecting keepalives on the way. */
  async answer(cid: number, timeoutMs = 2000): Promise<Answer> {
    const keepalives: number[] = [];
    for (;;) {
      const first = await this.packet(cid, timeoutMs);
      if (first.command === undefined || first.length === undefined)
        throw new Error(`continuation packet (seq ${first.seq}) where a message should start`);
      if (first.command === HidCommand.KEEPALIVE) {
        keepalives.push(first.data[0] ?? -1);
        continue;
      }
      const payload = new Uint8Array(first.length);
      payload.set(first.data);
      let at = first.data.length;
      for (let seq = 0; at < first.length; seq++) {
        const next = await this.packet(cid, timeoutMs);
        if (next.seq !== seq) throw new Error(`expected continuation ${seq}, got ${JSON.stringify(next)}`);
        const part = next.data.subarray(0, first.length - at);
        payload.set(part, at);
        at += part.length;
      }
      return { command: first.command, payload, keepalives };
    }
  }

  async transact(cid: number, command: number, payload: Uint8Array, timeoutMs = 2000): Promise<Answer> {
    await this.send(...packets(cid, command, payload));
    return this.answer(cid, timeoutMs);
  }

  /** CTAPHID_INIT on the broadcast channel: the new channel. */
  async allocate(): Promise<number> {
    const nonce = new Uint8Array(randomBytes(8));
    await this.send(initPacket(BROADCAST_CID, HidCommand.INIT, 8, nonce));
    const answer = await this.answer(BROADCAST_CID);
    return new DataView(answer.payload.buffer).getUint32(8);
  }

  /** Sends an authenticator command over CTAPHID_CBOR without waiting for its answer. */
  async sendCbor(cid: number, command: number, params?: CborValue): Promise<void> {
    const body = params === undefined ? new Uint8Array(0) : encodeCanonical(params);
    const message = new Uint8Array(1 + body.length);
    message[0] = command;
    message.set(body, 1);
    await this.send(...packets(cid, HidCommand.CBOR, message));
  }

  /** The status byte and decoded body of the next CTAPHID_CBOR answer on `cid`. */
  async cborAnswer(
    cid: number,
    timeoutMs = 2000,
  ): Promise<{ status: number; body: Map<number | string, Decoded> | null; keepalives: number[] }> {
    const answer = await this.answer(cid, timeoutMs);
    if (answer.command !== HidCommand.CBOR)
      throw new Error(`expected a CBOR answer, got command 0x${answer.command.toString(16)} [${answer.payload.join(',')}]`);
    const status = answer.payload[0] ?? -1;
    const decoded = answer.payload.length > 1 ? decodeCanonical(answer.payload.subarray(1)) : null;
    if (decoded !== null && !(decoded instanceof Map)) throw new Error('the answer is not a CBOR map');
    return { status, body: decoded, keepalives: answer.keepalives };
  }

  async cbor(
    cid: number,
    command: number,
    params?: CborValue,
    timeoutMs = 2000,
  ): Promise<{ status: number; body: Map<number | string, Decoded> | null; keepalives: number[] }> {
    await this.sendCbor(cid, command, params);
    return this.cborAnswer(cid, timeoutMs);
  }

  close(): Promise<void> {
    return this.pipe.close();
  }
}
