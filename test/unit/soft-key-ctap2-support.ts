import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import {
  ClientPinSubcommand,
  CtapCommand,
  Permission,
  SoftHidBus,
  SoftSecurityKey,
  Status,
  statusName,
  type SoftSecurityKeyOptions,
} from '../support/ctap2/index.js';
import type { CborValue, Decoded } from '../support/ctap2/cbor.js';
import { encapsulate, pinProtocol, type PinProtocolVersion } from '../support/ctap2/pin-protocol.js';
import { RawHost } from '../support/ctap2/raw-host.js';

/** What the soft key's CTAP2 tests share: a key on a raw CTAPHID host, hand-built requests, and the platform's half of clientPIN. */

export const RP = 'firstkey.test';
export const hosts: RawHost[] = [];
export const keys: SoftSecurityKey[] = [];

export interface Rig {
  bus: SoftHidBus;
  key: SoftSecurityKey;
  host: RawHost;
  cid: number;
}

export async function rig(options: SoftSecurityKeyOptions = {}): Promise<Rig> {
  const bus = new SoftHidBus();
  const key = new SoftSecurityKey(options);
  keys.push(key);
  const { path } = bus.plug(key);
  const host = await RawHost.open(bus, path);
  hosts.push(host);
  return { bus, key, host, cid: await host.allocate() };
}

/** After a power cycle the key has a new path and no channels: open it again. */
export async function replugged(r: Rig): Promise<Rig> {
  const { path } = r.key.replug();
  const host = await RawHost.open(r.bus, path);
  hosts.push(host);
  return { ...r, host, cid: await host.allocate() };
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function expectStatus(actual: { status: number }, expected: keyof typeof Status): void {
  expect(statusName(actual.status)).toBe(expected);
}

export function bytes(body: Map<number | string, Decoded> | null, key: number | string): Uint8Array {
  const value = body?.get(key);
  if (!(value instanceof Uint8Array)) throw new Error(`answer key ${key} is not a byte string`);
  return value;
}

export const CDH = sha256('client data');

export function makeCredential(
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

export function getAssertion(
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
export async function pinSession(r: Rig, version: PinProtocolVersion) {
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

export async function askToken(
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

export async function token(r: Rig, pin: string, opts: Parameters<typeof askToken>[2] = {}): Promise<Uint8Array> {
  const answer = await askToken(r, pin, opts);
  expect(statusName(answer.status)).toBe('CTAP2_OK');
  if (!answer.token) throw new Error('no token');
  return answer.token;
}

export function padded(pin: string | Uint8Array): Uint8Array {
  const utf8 = typeof pin === 'string' ? new TextEncoder().encode(pin) : pin;
  const out = new Uint8Array(Math.max(64, utf8.length));
  out.set(utf8);
  return out;
}

export async function setPin(r: Rig, pin: string | Uint8Array, version: PinProtocolVersion = 2) {
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

export async function retries(r: Rig): Promise<{ retries: unknown; powerCycle: unknown }> {
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
export function parseAuthData(authData: Uint8Array): {
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

export const UP = 0x01;
export const UV = 0x04;
export const AT = 0x40;
