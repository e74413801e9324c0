import type { KeyObject } from 'node:crypto';
import { decodeCanonical, encodeCanonical, CborError, type CborValue, type Decoded } from './cbor.js';
import { CtapCommand, Status } from './constants.js';
import type { CommandContext } from './ctaphid-device.js';
import { ClientPin } from './client-pin.js';
import { getAssertion } from './get-assertion.js';
import { makeCredential } from './make-credential.js';
import { concat, ES256, fail, isMap, speaks21, type Params } from './params.js';
import type { PinProtocolVersion } from './pin-protocol.js';

/**
 * The CTAP2 commands of the software key (CTAP 2.1 section 6): getInfo,
 * makeCredential, getAssertion, clientPIN, selection. Each command checks its
 * parameters in the order the specification gives and refuses with the status
 * the specification names, because the client under test must be proven
 * against those refusals, not against a lenient stand-in. getInfo and selection
 * are here; makeCredential, getAssertion and clientPIN have a module each.
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

/** What the commands in their own modules (make-credential.ts, get-assertion.ts) may use of the key. */
export interface KeyCore {
  readonly config: AuthenticatorConfig;
  readonly presence: Presence;
  readonly clientPin: ClientPin;
  readonly stored: StoredCredential[];
  nextSignCount(): number;
  is21(): boolean;
  pinCapable(): boolean;
  protectedByUv(): boolean;
  touchProbe(context: CommandContext): Promise<never>;
}

export class Ctap2Authenticator {
  private readonly clientPin: ClientPin;
  private readonly stored: StoredCredential[] = [];
  private signCount = 0;
  private readonly core: KeyCore;

  constructor(
    private readonly config: AuthenticatorConfig,
    private readonly presence: Presence,
    initial: { pin?: string; retries?: number },
  ) {
    this.clientPin = new ClientPin(config, presence, initial);
    this.core = {
      config,
      presence,
      clientPin: this.clientPin,
      stored: this.stored,
      nextSignCount: () => ++this.signCount,
      is21: () => this.is21(),
      pinCapable: () => this.pinCapable(),
      protectedByUv: () => this.protectedByUv(),
      touchProbe: (context) => this.touchProbe(context),
    };
  }

  /** What a power cycle resets: key agreement keys, the token, the count of wrong PINs in a row. */
  powerUp(): void {
    this.clientPin.powerUp();
  }

  credentials(): readonly StoredCredential[] {
    return this.stored;
  }
  pinRetriesLeft(): number {
    return this.clientPin.retriesLeft();
  }
  hasPin(): boolean {
    return this.clientPin.hasPin();
  }

  private is21(): boolean {
    return speaks21(this.config.versions);
  }
  private pinCapable(): boolean {
    return this.config.uv !== 'none';
  }
  /** "Protected by some form of user verification": a PIN is set or built-in UV is configured. */
  private protectedByUv(): boolean {
    return this.clientPin.hasPin() || this.config.uv === 'builtin';
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
        answer = await makeCredential(this.core, params, context);
        break;
      case CtapCommand.getAssertion:
        answer = await getAssertion(this.core, params, context);
        break;
      case CtapCommand.clientPIN:
        if (!this.pinCapable()) fail('CTAP1_ERR_INVALID_COMMAND');
        answer = await this.clientPin.handle(params, context);
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
    if (this.pinCapable()) options.set('clientPin', this.clientPin.hasPin());
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
}
