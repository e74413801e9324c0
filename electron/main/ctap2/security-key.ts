/**
 * One security key over CTAPHID: the CTAP2 commands a ceremony needs, with the PIN turned into a
 * pinUvAuthToken by the key's own protocol and never kept. Tokens handed out are zeroed on close().
 */
import {
  CLIENT_PIN,
  COMMAND,
  PERMISSION,
  clientPinCommand,
  command,
  getAssertionCommand,
  makeCredentialCommand,
  parseEncryptedToken,
  parseGetAssertion,
  parseInfo,
  parseKeyAgreement,
  parseLimits,
  parseMakeCredential,
  parseRetries,
  responseMap,
  type PinUvAuthParam,
  type RequestLimits,
} from './commands.js';
import { CtapHidConnection, type CtapHidTimings } from './ctaphid.js';
import { Ctap2Error, CtapResponseError, KeyNotSupportedError, STATUS } from './errors.js';
import { paddedPin, pinBytes, pinHash, pinProtocol, type Encapsulation, type PinUvAuthProtocolCrypto } from './pin-protocol.js';
import type { HidBus, HidDeviceInfo } from './transport.js';
import type {
  AuthenticatorInfo,
  Control,
  CredentialDescriptor,
  GetAssertionRequest,
  GetAssertionResult,
  MakeCredentialRequest,
  MakeCredentialResult,
  PinProtocol,
  PinUvAuthToken,
} from './types.js';

export interface SecurityKeyOptions {
  timings?: Partial<CtapHidTimings>;
}

/** The answers that prove a touch to the empty-pinUvAuthParam probe (CTAP 2.1 §6.1.2 step 1.1). */
const TOUCHED = new Set<number>([STATUS.PIN_NOT_SET, STATUS.PIN_INVALID, STATUS.PIN_AUTH_INVALID]);

export class SecurityKey {
  private details: { info: AuthenticatorInfo; limits: RequestLimits } | null = null;
  private readonly issuedTokens: Uint8Array[] = [];
  private closed = false;

  private constructor(
    readonly device: HidDeviceInfo,
    private readonly connection: CtapHidConnection,
  ) {}

  /** Opens the device and allocates our channel (CTAPHID_INIT with a random nonce). */
  static async open(bus: HidBus, device: HidDeviceInfo, options: SecurityKeyOptions = {}): Promise<SecurityKey> {
    const pipe = await bus.open(device.path);
    try {
      const connection = await CtapHidConnection.open(pipe, options.timings);
      if (!connection.supportsCbor) throw new KeyNotSupportedError('no_ctap2');
      return new SecurityKey(device, connection);
    } catch (error) {
      await pipe.close().catch(() => undefined);
      throw error;
    }
  }

  async getInfo(): Promise<AuthenticatorInfo> {
    return (await this.infoAndLimits()).info;
  }

  async makeCredential(request: MakeCredentialRequest, control?: Control): Promise<MakeCredentialResult> {
    const auth = authParam(request.pinUvAuth, request.clientDataHash);
    const excludeList =
      (await this.fitList(
        request.excludeList,
        (list) => makeCredentialCommand({ ...request, excludeList: list }, auth),
        request.rp.id,
        request.clientDataHash,
        control,
      )) ?? [];
    const answer = await this.connection.cbor(makeCredentialCommand({ ...request, excludeList }, auth), control);
    return parseMakeCredential(responseMap(answer));
  }

  async getAssertion(request: GetAssertionRequest, control?: Control): Promise<GetAssertionResult> {
    const auth = authParam(request.pinUvAuth, request.clientDataHash);
    const allowList = await this.fitList(
      request.allowList,
      (list) => getAssertionCommand({ ...request, allowList: list }, auth),
      request.rpId,
      request.clientDataHash,
      control,
    );
    // An allow list none of which is on this key must not become an empty one (a discoverable request).
    if (allowList === null) throw new Ctap2Error(STATUS.NO_CREDENTIALS, 'none of the allowed credentials is on this key');
    return this.assert({ ...request, allowList }, auth, control);
  }

  async pinRetries(): Promise<{ retries: number; powerCycleRequired: boolean }> {
    const protocol = await this.protocol();
    return parseRetries(responseMap(await this.connection.cbor(clientPinCommand(protocol.version, CLIENT_PIN.GET_RETRIES))));
  }

  /**
   * getPinUvAuthTokenUsingPinWithPermissions (0x09) where the key supports it (permissions mc=0x01,
   * ga=0x02, rpId given), else getPinToken (0x05). Protocol: 2 if supported, else 1.
   */
  async pinToken(pin: string, permissions: { makeCredential?: boolean; getAssertion?: boolean }, rpId: string): Promise<PinUvAuthToken> {
    const info = await this.getInfo();
    if (info.options['clientPin'] === undefined) throw new KeyNotSupportedError('no_pin');
    if (!info.options['clientPin']) throw new Ctap2Error(STATUS.PIN_NOT_SET, 'the key has no PIN yet');
    const bytes = pinBytes(pin);
    const hash = pinHash(bytes);
    bytes.fill(0);
    let exchange: Encapsulation | null = null;
    try {
      const protocol = await this.protocol();
      exchange = await this.keyAgreement(protocol);
      const pinHashEnc = protocol.encrypt(exchange.sharedSecret, hash);
      const withPermissions = info.options['pinUvAuthToken'] === true;
      const request = withPermissions
        ? clientPinCommand(protocol.version, CLIENT_PIN.GET_TOKEN_USING_PIN_WITH_PERMISSIONS, [
            [0x03, exchange.keyAgreement],
            [0x06, pinHashEnc],
            [
              0x09,
              (permissions.makeCredential === true ? PERMISSION.MAKE_CREDENTIAL : 0) |
                (permissions.getAssertion === true ? PERMISSION.GET_ASSERTION : 0),
            ],
            [0x0a, rpId],
          ])
        : clientPinCommand(protocol.version, CLIENT_PIN.GET_PIN_TOKEN, [
            [0x03, exchange.keyAgreement],
            [0x06, pinHashEnc],
          ]);
      const encrypted = parseEncryptedToken(responseMap(await this.connection.cbor(request)));
      const token = protocol.decrypt(exchange.sharedSecret, encrypted);
      // Protocol 2 tokens are 32 bytes; protocol 1 allows 16 or 32 (CTAP 2.1 §6.5.2).
      if (!(token.length === 32 || (protocol.version === 1 && token.length === 16))) {
        token.fill(0);
        throw new CtapResponseError(`the key returned a ${token.length}-byte pinUvAuthToken`);
      }
      this.issuedTokens.push(token);
      return { protocol: protocol.version, token };
    } finally {
      hash.fill(0);
      exchange?.sharedSecret.fill(0);
    }
  }

  /** setPIN (0x03) for a key that has none; the PIN must meet the key's minimum length. */
  async setPin(pin: string): Promise<void> {
    const info = await this.getInfo();
    if (info.options['clientPin'] === undefined) throw new KeyNotSupportedError('no_pin');
    const bytes = pinBytes(pin, info.minPinLength);
    const padded = paddedPin(bytes);
    bytes.fill(0);
    let exchange: Encapsulation | null = null;
    try {
      const protocol = await this.protocol();
      exchange = await this.keyAgreement(protocol);
      const newPinEnc = protocol.encrypt(exchange.sharedSecret, padded);
      const pinUvAuthParam = protocol.authenticate(exchange.sharedSecret, newPinEnc);
      responseMap(
        await this.connection.cbor(
          clientPinCommand(protocol.version, CLIENT_PIN.SET_PIN, [
            [0x03, exchange.keyAgreement],
            [0x04, pinUvAuthParam],
            [0x05, newPinEnc],
          ]),
        ),
      );
      // clientPin is now true; read it again rather than guess the rest.
      this.details = null;
    } finally {
      padded.fill(0);
      exchange?.sharedSecret.fill(0);
    }
  }

  /** changePIN (0x04): the way out of forcePINChange, and for a person who wants a new PIN. */
  async changePin(current: string, next: string): Promise<void> {
    const info = await this.getInfo();
    if (info.options['clientPin'] === undefined) throw new KeyNotSupportedError('no_pin');
    const nextBytes = pinBytes(next, info.minPinLength);
    const padded = paddedPin(nextBytes);
    nextBytes.fill(0);
    let currentHash: Uint8Array | null = null;
    let exchange: Encapsulation | null = null;
    try {
      const currentBytes = pinBytes(current);
      currentHash = pinHash(currentBytes);
      currentBytes.fill(0);
      const protocol = await this.protocol();
      exchange = await this.keyAgreement(protocol);
      const newPinEnc = protocol.encrypt(exchange.sharedSecret, padded);
      const pinHashEnc = protocol.encrypt(exchange.sharedSecret, currentHash);
      const signed = new Uint8Array(newPinEnc.length + pinHashEnc.length);
      signed.set(newPinEnc, 0);
      signed.set(pinHashEnc, newPinEnc.length);
      responseMap(
        await this.connection.cbor(
          clientPinCommand(protocol.version, CLIENT_PIN.CHANGE_PIN, [
            [0x03, exchange.keyAgreement],
            [0x04, protocol.authenticate(exchange.sharedSecret, signed)],
            [0x05, newPinEnc],
            [0x06, pinHashEnc],
          ]),
        ),
      );
      // forcePINChange is now false; read it again.
      this.details = null;
    } finally {
      padded.fill(0);
      currentHash?.fill(0);
      exchange?.sharedSecret.fill(0);
    }
  }

  /**
   * Waits for a touch so a person with several keys picks one: authenticatorSelection (0x0B) on
   * CTAP 2.1 keys; on older ones a makeCredential probe the way platforms do (an empty
   * pinUvAuthParam, which a key with PIN support answers only after a touch and without making a
   * credential; a plain throwaway credential for a dummy RP where the key has no PIN support).
   */
  async waitForTouch(control?: Control): Promise<void> {
    const info = await this.getInfo();
    if (info.versions.includes('FIDO_2_1')) {
      responseMap(await this.connection.cbor(command(COMMAND.SELECTION), control));
      return;
    }
    const probe: MakeCredentialRequest = {
      clientDataHash: new Uint8Array(32),
      rp: { id: '.dummy', name: '.dummy' },
      user: { id: Uint8Array.of(1), name: 'dummy', displayName: 'dummy' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      excludeList: [],
      options: {},
    };
    const emptyAuth: PinUvAuthParam | null = info.options['clientPin'] === undefined ? null : { protocol: 1, param: new Uint8Array(0) };
    const answer = await this.connection.cbor(makeCredentialCommand(probe, emptyAuth), control);
    const status = answer[0];
    if (status === 0 || (status !== undefined && TOUCHED.has(status))) return;
    responseMap(answer);
  }

  /** Zeroes every token this key handed out and releases the device. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const token of this.issuedTokens) token.fill(0);
    this.issuedTokens.length = 0;
    await this.connection.close();
  }

  private async infoAndLimits(): Promise<{ info: AuthenticatorInfo; limits: RequestLimits }> {
    if (this.details === null) {
      const map = responseMap(await this.connection.cbor(command(COMMAND.GET_INFO)));
      this.details = { info: parseInfo(map), limits: parseLimits(map) };
    }
    return this.details;
  }

  /**
   * A credential list the key can take in one request. A longer one (more entries or bytes than the
   * key says it takes) is probed in batches with a silent getAssertion (up false), as platforms do,
   * and only the credential found goes into the real request: for makeCredential the key then still
   * asks for a touch before it says CREDENTIAL_EXCLUDED. Ids longer than the key's own can never be
   * its own and are left out. Null: the list had entries and none is on this key.
   */
  private async fitList(
    list: CredentialDescriptor[],
    build: (list: CredentialDescriptor[]) => Uint8Array,
    rpId: string,
    clientDataHash: Uint8Array,
    control?: Control,
  ): Promise<CredentialDescriptor[] | null> {
    const { limits } = await this.infoAndLimits();
    const candidates = list.filter((c) => limits.maxCredentialIdLength === null || c.id.length <= limits.maxCredentialIdLength);
    const countFits = limits.maxCredentialCountInList === null || candidates.length <= limits.maxCredentialCountInList;
    if (countFits && build(candidates).length <= limits.maxMsgSize) return candidates.length === 0 && list.length > 0 ? null : candidates;
    const batchSize = Math.max(1, limits.maxCredentialCountInList ?? 1);
    for (let at = 0; at < candidates.length; at += batchSize) {
      const batch = candidates.slice(at, at + batchSize);
      try {
        const found = await this.assert({ rpId, clientDataHash, allowList: batch, options: { up: false } }, null, control);
        return [batch.find((c) => sameBytes(c.id, found.credentialId)) ?? { type: 'public-key', id: found.credentialId }];
      } catch (error) {
        if (error instanceof Ctap2Error && error.status === STATUS.NO_CREDENTIALS) continue;
        throw error;
      }
    }
    return null;
  }

  private async assert(request: GetAssertionRequest, auth: PinUvAuthParam | null, control?: Control): Promise<GetAssertionResult> {
    const answer = await this.connection.cbor(getAssertionCommand(request, auth), control);
    return parseGetAssertion(responseMap(answer), request.allowList);
  }

  private async protocol(): Promise<PinUvAuthProtocolCrypto> {
    const info = await this.getInfo();
    const version: PinProtocol = info.pinUvAuthProtocols.includes(2) ? 2 : 1;
    return pinProtocol(version);
  }

  /** getKeyAgreement (0x02), fresh for every PIN operation as §6.5.5.4 asks after a failure. */
  private async keyAgreement(protocol: PinUvAuthProtocolCrypto): Promise<Encapsulation> {
    const map = responseMap(await this.connection.cbor(clientPinCommand(protocol.version, CLIENT_PIN.GET_KEY_AGREEMENT)));
    return protocol.encapsulate(parseKeyAgreement(map));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function authParam(auth: PinUvAuthToken | undefined, clientDataHash: Uint8Array): PinUvAuthParam | null {
  if (auth === undefined) return null;
  return { protocol: auth.protocol, param: pinProtocol(auth.protocol).authenticate(auth.token, clientDataHash) };
}
