import { createHash } from 'node:crypto';
import { asMap, decodeCbor, decodeCborPrefix, type CborMap } from '../../../electron/main/ctap2/cbor.js';
import { CTAPHID, MessageAssembler } from '../../../electron/main/ctap2/ctaphid.js';
import { Ctap2Error, SecurityKey, type MakeCredentialRequest, type SecurityKeyOptions } from '../../../electron/main/ctap2/index.js';
import { SoftHidBus, SoftSecurityKey, type SoftSecurityKeyOptions } from '../../support/ctap2/index.js';

/** What the CTAP2 client's tests share: a software key plugged into a bus and opened, a registration, and the client's messages as the key logged them. */

export const RP_ID = 'enrol.corp.example';
export const FAST: SecurityKeyOptions = { timings: { busyBackoffMs: 20 } };
export const opened: SecurityKey[] = [];

export async function plugged(options: SoftSecurityKeyOptions = {}): Promise<{ bus: SoftHidBus; soft: SoftSecurityKey; key: SecurityKey }> {
  const bus = new SoftHidBus();
  const soft = new SoftSecurityKey(options);
  const device = bus.plug(soft);
  const key = await SecurityKey.open(bus, device, FAST);
  opened.push(key);
  return { bus, soft, key };
}

export function registration(overrides: Partial<MakeCredentialRequest> = {}): MakeCredentialRequest {
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

export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

export async function ctapCode(promise: Promise<unknown>): Promise<string> {
  const error = await failure(promise);
  if (error instanceof Ctap2Error) return error.code;
  throw error;
}

/** The messages the client sent, reassembled per channel from the frames the key logged. */
export function hostMessages(soft: SoftSecurityKey): { cid: number; cmd: number; payload: Uint8Array }[] {
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
export function clientPinRequests(soft: SoftSecurityKey): CborMap[] {
  return hostMessages(soft)
    .filter((m) => m.cmd === CTAPHID.CBOR && m.payload[0] === 0x06)
    .map((m) => asMap(decodeCbor(m.payload.subarray(1)), 'clientPIN'));
}

export const FLAG_UV = 0x04;

/** The credential id and public key in authData's attested credential data (WebAuthn §6.5.1). */
export function attestedCredential(authData: Uint8Array): { id: Uint8Array; publicKey: CborMap } {
  const idLength = new DataView(authData.buffer, authData.byteOffset).getUint16(53);
  const id = authData.subarray(55, 55 + idLength);
  const { value } = decodeCborPrefix(authData.subarray(55 + idLength));
  return { id, publicKey: asMap(value, 'credentialPublicKey') };
}
