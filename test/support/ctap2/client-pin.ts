import { randomBytes } from 'node:crypto';
import type { CborValue } from './cbor.js';
import { ClientPinSubcommand, Permission } from './constants.js';
import type { CommandContext } from './ctaphid-device.js';
import { KeyAgreement, pinHash, pinProtocol, type PinProtocol, type PinProtocolVersion } from './pin-protocol.js';
import type { AuthenticatorConfig, Presence } from './authenticator.js';
import { concat, fail, isBytes, isInt, isMap, isText, optional, required, sameBytes, speaks21, unpad, type Params } from './params.js';

/** authenticatorClientPIN (CTAP 2.1 section 6.5): the PIN, its retries and blocked states, key agreement, and the one pinUvAuthToken. */

interface Token {
  value: Uint8Array;
  protocol: PinProtocolVersion;
  permissions: number;
  rpId: string | null;
}

export class ClientPin {
  private pin: Uint8Array | null = null;
  private retries: number;
  private mismatchesSincePowerUp = 0;
  private token: Token | null = null;
  private readonly keyAgreement = new Map<PinProtocolVersion, KeyAgreement>();

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

  retriesLeft(): number {
    return this.retries;
  }
  hasPin(): boolean {
    return this.pin !== null;
  }

  /** Checks pinUvAuthParam against the token: the protocol, the signature, the permission and the token's RP. */
  checkPinUvAuth(
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

  protocolOf(params: Params, key: number): PinProtocol {
    const version = params.get(key);
    if (version === undefined) fail('CTAP2_ERR_MISSING_PARAMETER');
    if (!isInt(version)) fail('CTAP2_ERR_CBOR_UNEXPECTED_TYPE');
    if (version !== 1 && version !== 2) fail('CTAP1_ERR_INVALID_PARAMETER');
    if (!this.config.pinProtocols.includes(version)) fail('CTAP1_ERR_INVALID_PARAMETER');
    return pinProtocol(version);
  }

  async handle(params: Params, context: CommandContext): Promise<Map<number, CborValue> | null> {
    const sub = required(params, 0x02, isInt);
    switch (sub) {
      case ClientPinSubcommand.getPINRetries: {
        const answer = new Map<number, CborValue>([[0x03, this.retries]]);
        if (speaks21(this.config.versions)) answer.set(0x04, this.mismatchesSincePowerUp >= 3);
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
        if (!speaks21(this.config.versions)) fail('CTAP2_ERR_INVALID_SUBCOMMAND');
        const permissions = required(params, 0x09, isInt);
        if (permissions === 0) fail('CTAP1_ERR_INVALID_PARAMETER');
        if ((permissions & ~(Permission.mc | Permission.ga)) !== 0) fail('CTAP2_ERR_UNAUTHORIZED_PERMISSION');
        return this.pinToken(params, permissions, optional(params, 0x0a, isText) ?? null);
      }
      case ClientPinSubcommand.getPinUvAuthTokenUsingUvWithPermissions: {
        if (!speaks21(this.config.versions) || this.config.uv !== 'builtin') fail('CTAP2_ERR_INVALID_SUBCOMMAND');
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
