import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { decodeCanonical, encodeCanonical, CborError, type CborValue, type Decoded } from './cbor.js';
import { ClientPinSubcommand, CtapCommand, CtapStatusError, Permission, Status } from './constants.js';
import type { CommandContext } from './ctaphid-device.js';
import { KeyAgreement, pinHash, pinProtocol, type PinProtocol, type PinProtocolVersion } from './pin-protocol.js';

/**
 * The CTAP2 commands of the software key (CTAP 2.1 section 6): getInfo,
 * makeCredential, getAssertion, clientPIN, selection. Each command checks its
 * parameters in the order the specification gives and refuses with the status
 * the specification names, because the client under test must be proven
 * against those refusals, not against a lenient stand-in.
 */

export type Version = 'FIDO_2_0' | 'FIDO_2_1';

export interface AuthenticatorConfig {
  aaguid: Uint8Array;
  versions: Version[];
  pinProtocols: PinProtocolVersion[];
  uv: 'pin' | 'builtin' | 'none';
  minPinLength: number;
  /** CTAP 2.1 forcePINChange: the right PIN is answered with PIN_POLICY_VIOLATION until it is changed. */
  forcePinChange: boolean;
  maxRetries: number;
  maxMessageSize: number;
  attestation: { fmt: 'none' } | { fmt: 'packed'; certificate: Uint8Array; privateKey: KeyObject };
}

/** What the key holds of one credential (tests read it through SoftSecurityKey.credentials()). */
export interface StoredCredential {
  id: Uint8Array;
  rpId: string;
  userId: Uint8Array;
  userName: string | null;
  discoverable: boolean;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The person at the key: a touch, which may be refused by cancellation or time out. */
export interface Presence {
  /** Resolves when the key is touched; rejects with KEEPALIVE_CANCEL on cancel, USER_ACTION_TIMEOUT when nobody comes. */
  touch(context: CommandContext): Promise<void>;
}

interface Token {
  value: Uint8Array;
  protocol: PinProtocolVersion;
  permissions: number;
  rpId: string | null;
}

const ES256 = -7;
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

type Params = Map<number | string, Decoded>;

function fail(code: keyof typeof Status): never {
  throw new CtapStatusError(code);
}

function optional<T>(params: Params, key: number | string, check: (v: Decoded) => v is Decoded & T): T | undefined {
  const value = params.get(key);
  if (value === undefined) return undefined;
  if (!check(value)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
  return value;
}
function required<T>(params: Params, key: number | string, check: (v: Decoded) => v is Decoded & T): T {
  const value = optional(params, key, check);
  if (value === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
  return value;
}

const isBytes = (v: Decoded): v is Uint8Array => v instanceof Uint8Array;
const isText = (v: Decoded): v is string => typeof v === 'string';
const isInt = (v: Decoded): v is number => typeof v === 'number';
const isMap = (v: Decoded): v is Params => v instanceof Map;
const isArray = (v: Decoded): v is Decoded[] => Array.isArray(v);

function booleanOptions(params: Params, key: number): Map<string, boolean> {
  const options = optional(params, key, isMap) ?? new Map<string | number, Decoded>();
  const out = new Map<string, boolean>();
  for (const [name, value] of options) {
    if (typeof name !== 'string' || typeof value !== 'boolean') fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    out.set(name, value);
  }
  return out;
}

function descriptorIds(list: Decoded[] | undefined): Uint8Array[] {
  return (list ?? []).map((item) => {
    if (!isMap(item)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const type = required(item, 'type', isText);
    const id = required(item, 'id', isBytes);
    return type === 'public-key' ? id : new Uint8Array(0);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function coseEs256(publicKey: KeyObject): Map<number, CborValue> {
  const jwk = publicKey.export({ format: 'jwk' });
  return new Map<number, CborValue>([
    [1, 2],
    [3, ES256],
    [-1, 1],
    [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
  ]);
}

/** Trailing zero bytes of a 64-byte padded PIN removed: the PIN's UTF-8. */
function unpad(padded: Uint8Array): Uint8Array {
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  return padded.slice(0, end);
}

export class Ctap2Authenticator {
  private pin: Uint8Array | null = null;
  private retries: number;
  private mismatchesSincePowerUp = 0;
  private token: Token | null = null;
  private readonly keyAgreement = new Map<PinProtocolVersion, KeyAgreement>();
  private readonly stored: StoredCredential[] = [];
  private signCount = 0;

  constructor(
    private readonly config: AuthenticatorConfig,
    private readonly presence: Presence,
    initial: { pin?: string; retries?: number },
  ) {
    if (initial.pin !== undefined) this.pin = pinHash(new TextEncoder().encode(initial.pin.normalize('NFC')));
    this.retries = initial.retries ?? config.maxRetries;
    this.powerUp();
  }

  /** What a power cycle resets: key agreement keys, the token, the count of wrong PINs in a row. */
  powerUp(): void {
    this.mismatchesSincePowerUp = 0;
    this.token = null;
    for (const v of this.config.pinProtocols) this.keyAgreement.set(v, new KeyAgreement());
  }

  credentials(): readonly StoredCredential[] {
    return this.stored;
  }
  pinRetriesLeft(): number {
    return this.retries;
  }
  hasPin(): boolean {
    return this.pin !== null;
  }

  private is21(): boolean {
    return this.config.versions.includes('FIDO_2_1');
  }
  private pinCapable(): boolean {
    return this.config.uv !== 'none';
  }
  /** "Protected by some form of user verification": a PIN is set or built-in UV is configured. */
  private protectedByUv(): boolean {
    return this.pin !== null || this.config.uv === 'builtin';
  }

  /** Runs one CBOR message: command byte, then its parameters; returns status byte then CBOR. */
  async handle(message: Uint8Array, context: CommandContext): Promise<Uint8Array> {
    const command = message[0];
    let params: Params = new Map();
    if (message.length > 1) {
      let decoded: Decoded;
      try {
        decoded = decodeCanonical(message.subarray(1));
      } catch (error) {
        if (error instanceof CborError) fail('CTAP2_ERR_INVALID_CBOR');
        throw error;
      }
      if (!isMap(decoded)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
      params = decoded;
    }
    let answer: CborValue | null;
    switch (command) {
      case CtapCommand.getInfo:
        answer = this.getInfo();
        break;
      case CtapCommand.makeCredential:
        answer = await this.makeCredential(params, context);
        break;
      case CtapCommand.getAssertion:
        answer = await this.getAssertion(params, context);
        break;
      case CtapCommand.clientPIN:
        if (!this.pinCapable()) fail('CTAP1_ERR_INVALID_COMMAND');
        answer = await this.clientPin(params, context);
        break;
      case CtapCommand.selection:
        if (!this.is21()) fail('CTAP1_ERR_INVALID_COMMAND');
        await this.presence.touch(context);
        answer = null;
        break;
      default:
        fail('CTAP1_ERR_INVALID_COMMAND');
    }
    return answer === null ? Uint8Array.of(Status.CTAP2_OK) : concat(Uint8Array.of(Status.CTAP2_OK), encodeCanonical(answer));
  }

  getInfo(): Map<number, CborValue> {
    const options = new Map<string, CborValue>([
      ['rk', true],
      ['up', true],
      ['plat', false],
    ]);
    if (this.pinCapable()) options.set('clientPin', this.pin !== null);
    if (this.config.uv === 'builtin') options.set('uv', true);
    if (this.is21() && this.pinCapable()) options.set('pinUvAuthToken', true);
    if (this.is21()) options.set('makeCredUvNotRqd', true);
    const info = new Map<number, CborValue>([
      [0x01, [...this.config.versions]],
      [0x03, this.config.aaguid],
      [0x04, options],
      [0x05, this.config.maxMessageSize],
      [0x07, 8],
      [0x08, 64],
      [0x09, ['usb']],
      [
        0x0a,
        [
          new Map<string, CborValue>([
            ['alg', ES256],
            ['type', 'public-key'],
          ]),
        ],
      ],
    ]);
    if (this.pinCapable()) info.set(0x06, [...this.config.pinProtocols]);
    if (this.is21()) info.set(0x0c, this.config.forcePinChange);
    if (this.is21()) info.set(0x0d, this.config.minPinLength);
    return info;
  }

  /** A zero-length pinUvAuthParam is how platforms ask for a touch before choosing a key (CTAP 2.1 6.1.2 step 1). */
  private async touchProbe(context: CommandContext): Promise<never> {
    await this.presence.touch(context);
    return fail(this.protectedByUv() ? 'CTAP2_ERR_PIN_INVALID' : 'CTAP2_ERR_PIN_NOT_SET');
  }

  /** Checks pinUvAuthParam against the token: the protocol, the signature, the permission and the token's RP. */
  private checkPinUvAuth(
    params: Params,
    paramKey: number,
    protocolKey: number,
    clientDataHash: Uint8Array,
    permission: number,
    rpId: string,
  ): void {
    const param = params.get(paramKey);
    if (!(param instanceof Uint8Array)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const version = this.protocolOf(params, protocolKey);
    const token = this.token;
    if (!token || token.protocol !== version.version || !version.verify(token.value, clientDataHash, param))
      fail('CTAP2_ERR_PIN_AUTH_INVALID');
    if ((token.permissions & permission) === 0) fail('CTAP2_ERR_PIN_AUTH_INVALID');
    if (token.rpId !== null && token.rpId !== rpId) fail('CTAP2_ERR_PIN_AUTH_INVALID');
    token.rpId = rpId;
  }

  private protocolOf(params: Params, key: number): PinProtocol {
    const version = params.get(key);
    if (version === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    if (!isInt(version)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (version !== 1 && version !== 2) fail('CTAP1_ERR_INVALID_PARAMETER');
    if (!this.config.pinProtocols.includes(version)) fail('CTAP1_ERR_INVALID_PARAMETER');
    return pinProtocol(version);
  }

  private async makeCredential(params: Params, context: CommandContext): Promise<Map<number, CborValue>> {
    const pinUvAuthParam = optional(params, 0x08, isBytes);
    if (pinUvAuthParam?.length === 0 && this.pinCapable()) return this.touchProbe(context);
    if (pinUvAuthParam) this.protocolOf(params, 0x09);

    const clientDataHash = required(params, 0x01, isBytes);
    const rp = required(params, 0x02, isMap);
    const user = required(params, 0x03, isMap);
    const algorithms = required(params, 0x04, isArray);
    const excludeIds = descriptorIds(optional(params, 0x05, isArray));
    optional(params, 0x06, isMap); // extensions: none supported, unknown ones are ignored
    const options = booleanOptions(params, 0x07);
    const rpId = required(rp, 'id', isText);
    optional(rp, 'name', isText);
    const userId = required(user, 'id', isBytes);
    if (userId.length > 64) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    const userName = optional(user, 'name', isText) ?? null;
    optional(user, 'displayName', isText);

    const es256 = algorithms.some((p) => {
      if (!isMap(p)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
      return required(p, 'type', isText) === 'public-key' && required(p, 'alg', isInt) === ES256;
    });
    if (!es256) fail('CTAP2_ERR_UNSUPPORTED_ALGORITHM');

    if (options.get('up') === false) fail('CTAP2_ERR_INVALID_OPTION');
    const discoverable = options.get('rk') === true;
    let uv = false;
    if (pinUvAuthParam) {
      this.checkPinUvAuth(params, 0x08, 0x09, clientDataHash, Permission.mc, rpId);
      uv = true;
    } else if (options.get('uv') === true) {
      if (this.config.uv !== 'builtin') fail(this.is21() ? 'CTAP2_ERR_INVALID_OPTION' : 'CTAP2_ERR_UNSUPPORTED_OPTION');
      uv = true; // the built-in sensor is read with the touch below
    } else if (this.protectedByUv() && (discoverable || !this.is21())) {
      // makeCredUvNotRqd (2.1 keys) spares non-discoverable credentials; a 2.0 key with a PIN always wants it.
      fail('CTAP2_ERR_PUAT_REQUIRED');
    }

    const excluded = excludeIds.some((id) => this.stored.some((c) => c.rpId === rpId && sameBytes(c.id, id)));
    await this.presence.touch(context);
    if (excluded) fail('CTAP2_ERR_CREDENTIAL_EXCLUDED');

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: StoredCredential = {
      id: new Uint8Array(randomBytes(32)),
      rpId,
      userId,
      userName,
      discoverable,
      privateKey,
      publicKey,
    };
    // A discoverable credential replaces the one the same user already had at this RP.
    const replaced = this.stored.findIndex((c) => c.discoverable && discoverable && c.rpId === rpId && sameBytes(c.userId, userId));
    if (replaced >= 0) this.stored.splice(replaced, 1);
    this.stored.push(credential);

    const attested = concat(
      this.config.aaguid,
      Uint8Array.of(credential.id.length >> 8, credential.id.length & 0xff),
      credential.id,
      encodeCanonical(coseEs256(publicKey)),
    );
    const authData = concat(sha256(rpId), Uint8Array.of(FLAG_UP | (uv ? FLAG_UV : 0) | FLAG_AT), u32(++this.signCount), attested);
    const att = this.config.attestation;
    const attStmt =
      att.fmt === 'packed'
        ? new Map<string, CborValue>([
            ['alg', ES256],
            ['sig', new Uint8Array(sign('sha256', concat(authData, clientDataHash), att.privateKey))],
            ['x5c', [att.certificate]],
          ])
        : new Map<string, CborValue>();
    return new Map<number, CborValue>([
      [0x01, att.fmt],
      [0x02, authData],
      [0x03, attStmt],
    ]);
  }

  private async getAssertion(params: Params, context: CommandContext): Promise<Map<number, CborValue>> {
    const pinUvAuthParam = optional(params, 0x06, isBytes);
    if (pinUvAuthParam?.length === 0 && this.pinCapable()) return this.touchProbe(context);
    if (pinUvAuthParam) this.protocolOf(params, 0x07);

    const rpId = required(params, 0x01, isText);
    const clientDataHash = required(params, 0x02, isBytes);
    const allowIds = descriptorIds(optional(params, 0x03, isArray));
    optional(params, 0x04, isMap);
    const options = booleanOptions(params, 0x05);

    let uv = false;
    if (pinUvAuthParam) {
      this.checkPinUvAuth(params, 0x06, 0x07, clientDataHash, Permission.ga, rpId);
      uv = true;
    } else if (options.get('uv') === true) {
      if (this.config.uv !== 'builtin') fail(this.is21() ? 'CTAP2_ERR_INVALID_OPTION' : 'CTAP2_ERR_UNSUPPORTED_OPTION');
      uv = true;
    }
    if (options.has('rk')) fail('CTAP2_ERR_UNSUPPORTED_OPTION');

    const candidates =
      allowIds.length > 0
        ? this.stored.filter((c) => c.rpId === rpId && allowIds.some((id) => sameBytes(id, c.id)))
        : this.stored.filter((c) => c.rpId === rpId && c.discoverable).reverse();
    const credential = candidates[0];
    if (!credential) fail('CTAP2_ERR_NO_CREDENTIALS');

    const up = options.get('up') !== false;
    if (up || uv) await this.presence.touch(context);

    const authData = concat(sha256(rpId), Uint8Array.of((up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0)), u32(++this.signCount));
    const answer = new Map<number, CborValue>([
      [
        0x01,
        new Map<string, CborValue>([
          ['id', credential.id],
          ['type', 'public-key'],
        ]),
      ],
      [0x02, authData],
      [0x03, new Uint8Array(sign('sha256', concat(authData, clientDataHash), credential.privateKey))],
    ]);
    if (credential.discoverable) answer.set(0x04, new Map<string, CborValue>([['id', credential.userId]]));
    if (allowIds.length === 0 && candidates.length > 1) answer.set(0x05, candidates.length);
    return answer;
  }

  private async clientPin(params: Params, context: CommandContext): Promise<Map<number, CborValue> | null> {
    const sub = required(params, 0x02, isInt);
    switch (sub) {
      case ClientPinSubcommand.getPINRetries: {
        const answer = new Map<number, CborValue>([[0x03, this.retries]]);
        if (this.is21()) answer.set(0x04, this.mismatchesSincePowerUp >= 3);
        return answer;
      }
      case ClientPinSubcommand.getKeyAgreement: {
        const protocol = this.protocolOf(params, 0x01);
        return new Map<number, CborValue>([[0x01, this.agreement(protocol).publicKey()]]);
      }
      case ClientPinSubcommand.setPIN:
        return this.setPin(params);
      case ClientPinSubcommand.changePIN:
        return this.changePin(params);
      case ClientPinSubcommand.getPinToken:
        if (params.has(0x09) || params.has(0x0a)) fail('CTAP1_ERR_INVALID_PARAMETER');
        // CTAP 2.1 6.5.5.7.1: the legacy token carries mc and ga.
        return this.pinToken(params, Permission.mc | Permission.ga, null);
      case ClientPinSubcommand.getPinUvAuthTokenUsingPinWithPermissions: {
        if (!this.is21()) fail('CTAP2_ERR_INVALID_SUBCOMMAND');
        const permissions = required(params, 0x09, isInt);
        if (permissions === 0) fail('CTAP1_ERR_INVALID_PARAMETER');
        if ((permissions & ~(Permission.mc | Permission.ga)) !== 0) fail('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
        return this.pinToken(params, permissions, optional(params, 0x0a, isText) ?? null);
      }
      case ClientPinSubcommand.getPinUvAuthTokenUsingUvWithPermissions: {
        if (!this.is21() || this.config.uv !== 'builtin') fail('CTAP2_ERR_INVALID_SUBCOMMAND');
        const protocol = this.protocolOf(params, 0x01);
        const shared = this.agreement(protocol).decapsulate(protocol, required(params, 0x03, isMap));
        const permissions = required(params, 0x09, isInt);
        if (permissions === 0) fail('CTAP1_ERR_INVALID_PARAMETER');
        if ((permissions & ~(Permission.mc | Permission.ga)) !== 0) fail('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
        await this.presence.touch(context);
        return this.issueToken(protocol, shared, permissions, optional(params, 0x0a, isText) ?? null);
      }
      default:
        return fail('CTAP2_ERR_INVALID_SUBCOMMAND');
    }
  }

  private agreement(protocol: PinProtocol): KeyAgreement {
    const key = this.keyAgreement.get(protocol.version);
    if (!key) fail('CTAP1_ERR_INVALID_PARAMETER');
    return key;
  }

  /** Decrypts newPinEnc and applies the PIN policy: 64 padded bytes, at least minPinLength code points, at most 63 bytes. */
  private newPin(protocol: PinProtocol, shared: Uint8Array, newPinEnc: Uint8Array): Uint8Array {
    const padded = protocol.decrypt(shared, newPinEnc);
    if (padded.length !== 64) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
    const pin = unpad(padded);
    padded.fill(0);
    let codePoints: number;
    try {
      // CTAP 2.1 counts minPINLength in code points, not bytes or UTF-16 units.
      codePoints = new TextDecoder('utf-8', { fatal: true }).decode(pin).match(/./gsu)?.length ?? 0;
    } catch {
      fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
    }
    if (pin.length > 63 || codePoints < this.config.minPinLength) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
    return pin;
  }

  private setPin(params: Params): null {
    const protocol = this.protocolOf(params, 0x01);
    const platformKey = required(params, 0x03, isMap);
    const pinUvAuthParam = required(params, 0x04, isBytes);
    const newPinEnc = required(params, 0x05, isBytes);
    if (this.pin !== null) fail('CTAP2_ERR_PIN_AUTH_INVALID');
    const shared = this.agreement(protocol).decapsulate(protocol, platformKey);
    if (!protocol.verify(shared, newPinEnc, pinUvAuthParam)) fail('CTAP2_ERR_PIN_AUTH_INVALID');
    const pin = this.newPin(protocol, shared, newPinEnc);
    this.pin = pinHash(pin);
    pin.fill(0);
    this.retries = this.config.maxRetries;
    return null;
  }

  /**
   * The PIN check shared by changePIN and getPinToken (CTAP 2.1 6.5.5.5 and 6.5.5.7.2): the retry
   * counter goes down before the comparison, so pulling the key mid-check costs a try; a wrong PIN
   * regenerates the key agreement key; three wrong in a row need a power cycle; zero left blocks.
   */
  private checkPin(protocol: PinProtocol, shared: Uint8Array, pinHashEnc: Uint8Array): void {
    if (this.pin === null) fail('CTAP2_ERR_PIN_NOT_SET');
    this.retries--;
    const sent = protocol.decrypt(shared, pinHashEnc);
    const match = sent.length === 16 && sameBytes(sent, this.pin);
    sent.fill(0);
    if (match) {
      this.retries = this.config.maxRetries;
      this.mismatchesSincePowerUp = 0;
      return;
    }
    this.agreement(protocol).regenerate();
    this.mismatchesSincePowerUp++;
    if (this.retries === 0) fail('CTAP2_ERR_PIN_BLOCKED');
    if (this.mismatchesSincePowerUp >= 3) fail('CTAP2_ERR_PIN_AUTH_BLOCKED');
    fail('CTAP2_ERR_PIN_INVALID');
  }

  private refuseWhileBlocked(): void {
    if (this.pin === null) fail('CTAP2_ERR_PIN_NOT_SET');
    if (this.retries === 0) fail('CTAP2_ERR_PIN_BLOCKED');
    if (this.mismatchesSincePowerUp >= 3) fail('CTAP2_ERR_PIN_AUTH_BLOCKED');
  }

  private changePin(params: Params): null {
    const protocol = this.protocolOf(params, 0x01);
    const platformKey = required(params, 0x03, isMap);
    const pinUvAuthParam = required(params, 0x04, isBytes);
    const newPinEnc = required(params, 0x05, isBytes);
    const pinHashEnc = required(params, 0x06, isBytes);
    this.refuseWhileBlocked();
    const shared = this.agreement(protocol).decapsulate(protocol, platformKey);
    if (!protocol.verify(shared, concat(newPinEnc, pinHashEnc), pinUvAuthParam)) fail('CTAP2_ERR_PIN_AUTH_INVALID');
    this.checkPin(protocol, shared, pinHashEnc);
    const pin = this.newPin(protocol, shared, newPinEnc);
    this.pin = pinHash(pin);
    pin.fill(0);
    this.token = null;
    return null;
  }

  private pinToken(params: Params, permissions: number, rpId: string | null): Map<number, CborValue> {
    const protocol = this.protocolOf(params, 0x01);
    const platformKey = required(params, 0x03, isMap);
    const pinHashEnc = required(params, 0x06, isBytes);
    this.refuseWhileBlocked();
    const shared = this.agreement(protocol).decapsulate(protocol, platformKey);
    this.checkPin(protocol, shared, pinHashEnc);
    // CTAP 2.1 §6.5.5.7: the PIN is checked first, then a key that must have a new one issues no token.
    if (this.config.forcePinChange) fail('CTAP2_ERR_PIN_POLICY_VIOLATION');
    return this.issueToken(protocol, shared, permissions, rpId);
  }

  /** A new token (the old one stops working), encrypted to the platform: answer key 0x02, pinUvAuthToken. */
  private issueToken(protocol: PinProtocol, shared: Uint8Array, permissions: number, rpId: string | null): Map<number, CborValue> {
    const value = new Uint8Array(randomBytes(32));
    this.token = { value, protocol: protocol.version, permissions, rpId };
    return new Map<number, CborValue>([[0x02, protocol.encrypt(shared, value)]]);
  }
}
