import { HidGoneError, type HidDeviceInfo, type HidReportPipe } from '../../../electron/main/ctap2/transport.js';
import { attestationIdentity, attestationRootPem } from './attestation-ca.js';
import { Ctap2Authenticator, type StoredCredential, type Version } from './authenticator.js';
import { CtapStatusError } from './constants.js';
import { CtapHidDevice, REPORT_SIZE, type CommandContext } from './ctaphid-device.js';
import type { PinProtocolVersion } from './pin-protocol.js';

/**
 * A security key in software that IS a HID device: it takes and gives 64-byte
 * CTAPHID reports, so a client talks to it exactly as to a key on USB. Plug it
 * into a SoftHidBus; pull it out to see what a client does with a vanished key.
 */

export interface SoftSecurityKeyOptions {
  /** The PIN already set on the key; none by default (clientPin: false). */
  pin?: string;
  /** PIN tries left at the start (a correct PIN resets them to 8). Default 8. */
  retries?: number;
  /** 'pin': clientPIN only (default); 'builtin': a built-in sensor too (uv option, getPinUvAuthTokenUsingUvWithPermissions); 'none': no user verification at all. */
  uv?: 'pin' | 'builtin' | 'none';
  /** 'auto' (default): the person touches as soon as the key asks; 'manual': KEEPALIVE UP_NEEDED until touch() is called. */
  touch?: 'auto' | 'manual';
  /** 'packed' (default): a certificate from the test CA; 'none': no attestation statement. */
  attestation?: 'packed' | 'none';
  /** Default both: a CTAP 2.1 key that also speaks 2.0. ['FIDO_2_0'] is an older key (getPinToken only, no selection command). */
  versions?: Version[];
  /** PIN/UV auth protocols in the key's order of preference. Default [2, 1] on a 2.1 key, [1] on a 2.0 key. */
  pinProtocols?: PinProtocolVersion[];
  aaguid?: string;
  /** Shortest PIN the key accepts, in Unicode code points. Default 4. */
  minPinLength?: number;
  /** The key wants its PIN changed before any use (CTAP 2.1 forcePINChange). Default false. */
  forcePinChange?: boolean;
  /** How long a manual key waits for a touch before CTAP2_ERR_USER_ACTION_TIMEOUT. Default 30 s. */
  touchTimeoutMs?: number;
  /** KEEPALIVE interval while a command runs. Default 100 ms (the specification's ceiling). */
  keepaliveMs?: number;
  /** How long the key waits for a message's next continuation packet. Default 1 s. */
  messageTimeoutMs?: number;
  /** getInfo's maxMsgSize. Default 1200. */
  maxMessageSize?: number;
  product?: string;
}

/** One report as it crossed the wire. */
export interface HidFrame {
  from: 'host' | 'key';
  report: Uint8Array;
}

/** What the key holds of one credential, as tests see it. */
export interface HeldCredential {
  id: Uint8Array;
  rpId: string;
  userId: Uint8Array;
  userName: string | null;
  discoverable: boolean;
}

export const SOFT_KEY_AAGUID = 'f1d0f1d0-5afe-4b1e-9c2a-7e57ed5e0c01';
export const SOFT_KEY_VENDOR_ID = 0x1209; // pid.codes, the open-source hardware vendor id
export const SOFT_KEY_PRODUCT_ID = 0xf1d0;

let serials = 0;

function aaguidBytes(aaguid: string): Uint8Array {
  const hex = aaguid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not an AAGUID: ${aaguid}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

interface TouchWait {
  resolve(): void;
  reject(error: Error): void;
}

/** The host's side of one open handle: every report the key sends, in order. */
class SoftPipe implements HidReportPipe {
  private readonly queue: Uint8Array[] = [];
  private readonly readers: { resolve(r: Uint8Array | null): void; reject(e: unknown): void; timer: ReturnType<typeof setTimeout> }[] = [];
  private gone = false;
  private closed = false;

  constructor(
    private readonly key: SoftSecurityKey,
    private readonly path: string,
  ) {}

  deliver(report: Uint8Array): void {
    const reader = this.readers.shift();
    if (!reader) {
      this.queue.push(report);
      return;
    }
    clearTimeout(reader.timer);
    reader.resolve(report);
  }

  pulled(): void {
    this.gone = true;
    this.queue.length = 0;
    for (const reader of this.readers.splice(0)) {
      clearTimeout(reader.timer);
      reader.reject(new HidGoneError(this.path));
    }
  }

  write(report: Uint8Array): Promise<void> {
    if (this.gone) return Promise.reject(new HidGoneError(this.path));
    if (this.closed) return Promise.reject(new Error('the HID handle is closed'));
    if (report.length !== REPORT_SIZE) return Promise.reject(new RangeError(`a report is ${REPORT_SIZE} bytes, not ${report.length}`));
    this.key.hostReport(new Uint8Array(report));
    return Promise.resolve();
  }

  read(timeoutMs: number): Promise<Uint8Array | null> {
    if (this.gone) return Promise.reject(new HidGoneError(this.path));
    if (this.closed) return Promise.reject(new Error('the HID handle is closed'));
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve, reject) => {
      const reader = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.readers.indexOf(reader);
          if (at >= 0) this.readers.splice(at, 1);
          resolve(null);
        }, timeoutMs),
      };
      this.readers.push(reader);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers.splice(0)) {
      clearTimeout(reader.timer);
      reader.resolve(null);
    }
    this.key.detach(this);
    return Promise.resolve();
  }
}

export class SoftSecurityKey {
  readonly serial = ++serials;
  private readonly authenticator: Ctap2Authenticator;
  private readonly hid: CtapHidDevice;
  private readonly pipes = new Set<SoftPipe>();
  private readonly log: HidFrame[] = [];
  private readonly internalFaults: unknown[] = [];
  private touchWait: TouchWait | null = null;
  private readonly touchWatchers: (() => void)[] = [];
  private plugged: {
    bus: { unplug(key: SoftSecurityKey): void; plug(key: SoftSecurityKey): HidDeviceInfo };
    device: HidDeviceInfo;
  } | null = null;
  private readonly touchMode: 'auto' | 'manual';
  private readonly touchTimeoutMs: number;
  readonly aaguid: string;
  readonly product: string;

  constructor(options: SoftSecurityKeyOptions = {}) {
    const versions = options.versions ?? ['FIDO_2_0', 'FIDO_2_1'];
    const maxMessageSize = options.maxMessageSize ?? 1200;
    this.aaguid = (options.aaguid ?? SOFT_KEY_AAGUID).toLowerCase();
    this.product = options.product ?? 'FirstKey Soft Key';
    this.touchMode = options.touch ?? 'auto';
    this.touchTimeoutMs = options.touchTimeoutMs ?? 30_000;
    const identity = (options.attestation ?? 'packed') === 'packed' ? attestationIdentity(this.aaguid) : null;
    this.authenticator = new Ctap2Authenticator(
      {
        aaguid: aaguidBytes(this.aaguid),
        versions,
        pinProtocols: options.pinProtocols ?? (versions.includes('FIDO_2_1') ? [2, 1] : [1]),
        uv: options.uv ?? 'pin',
        minPinLength: options.minPinLength ?? 4,
        forcePinChange: options.forcePinChange ?? false,
        maxRetries: 8,
        maxMessageSize,
        attestation: identity ? { fmt: 'packed', certificate: identity.certificate, privateKey: identity.privateKey } : { fmt: 'none' },
      },
      { touch: (context) => this.waitForTouch(context) },
      {
        ...(options.pin !== undefined ? { pin: options.pin } : {}),
        ...(options.retries !== undefined ? { retries: options.retries } : {}),
      },
    );
    this.hid = new CtapHidDevice({
      emit: (report) => {
        this.keyReport(report);
      },
      handleCbor: (message, context) =>
        this.authenticator.handle(message, context).catch((error: unknown) => {
          // A real key answers CTAP1_ERR_OTHER to its own bug; tests also get to see the bug.
          if (!(error instanceof CtapStatusError)) this.internalFaults.push(error);
          throw error;
        }),
      maxMessageSize,
      messageTimeoutMs: options.messageTimeoutMs ?? 1000,
      keepaliveMs: options.keepaliveMs ?? 100,
    });
  }

  /** The HID device as the bus lists it while plugged in; null when it is not. */
  get device(): HidDeviceInfo | null {
    return this.plugged?.device ?? null;
  }

  /** Touches the key. True when a command was waiting for it; a touch nobody asked for does nothing, as on a real key. */
  touch(): boolean {
    const wait = this.touchWait;
    if (!wait) return false;
    this.touchWait = null;
    wait.resolve();
    return true;
  }

  /** Resolves as soon as a command waits for a touch (at once if one does). */
  untilTouchNeeded(): Promise<void> {
    if (this.touchWait) return Promise.resolve();
    return new Promise((resolve) => this.touchWatchers.push(resolve));
  }

  /** Whether a command is waiting for a touch right now. */
  waitingForTouch(): boolean {
    return this.touchWait !== null;
  }

  credentials(): HeldCredential[] {
    return this.authenticator.credentials().map((c: StoredCredential) => ({
      id: c.id,
      rpId: c.rpId,
      userId: c.userId,
      userName: c.userName,
      discoverable: c.discoverable,
    }));
  }

  pinRetriesLeft(): number {
    return this.authenticator.pinRetriesLeft();
  }

  hasPin(): boolean {
    return this.authenticator.hasPin();
  }

  /** Every report in and out since the key was made, oldest first. */
  frames(): readonly HidFrame[] {
    return this.log;
  }

  /** Errors of the key's own code (answered CTAP1_ERR_OTHER on the wire): a test that expects none can say so. */
  faults(): readonly unknown[] {
    return this.internalFaults;
  }

  /** Another application's transaction on `channel` (null ends it): requests on every other channel get ERR_CHANNEL_BUSY. */
  busyWith(channel: number | null): void {
    this.hid.busyWith(channel);
  }

  /** PEM of the test CA that issued this key's attestation certificate: the server's trust anchor in tests. */
  attestationRoot(): string {
    return attestationRootPem();
  }

  /** Pulls the key out and puts it back into the same bus: a power cycle (ends PIN_AUTH_BLOCKED). Returns the new device. */
  replug(): HidDeviceInfo {
    const at = this.plugged;
    if (!at) throw new Error('the key is not plugged in');
    at.bus.unplug(this);
    return at.bus.plug(this);
  }

  // The bus's side: power, handles and reports. Not for tests to call.

  /** @internal */
  poweredOn(bus: { unplug(key: SoftSecurityKey): void; plug(key: SoftSecurityKey): HidDeviceInfo }, device: HidDeviceInfo): void {
    this.plugged = { bus, device };
    this.authenticator.powerUp();
  }

  /** @internal */
  poweredOff(): void {
    this.plugged = null;
    this.hid.powerOff();
    const wait = this.touchWait;
    this.touchWait = null;
    wait?.reject(new CtapStatusError('CTAP2_ERR_KEEPALIVE_CANCEL'));
    for (const pipe of this.pipes) pipe.pulled();
    this.pipes.clear();
  }

  /** @internal */
  attach(): HidReportPipe {
    const device = this.plugged?.device;
    if (!device) throw new Error('the key is not plugged in');
    const pipe = new SoftPipe(this, device.path);
    this.pipes.add(pipe);
    return pipe;
  }

  /** @internal */
  detach(pipe: SoftPipe): void {
    this.pipes.delete(pipe);
  }

  /** @internal */
  hostReport(report: Uint8Array): void {
    this.log.push({ from: 'host', report });
    this.hid.receive(report);
  }

  private keyReport(report: Uint8Array): void {
    if (!this.plugged) return;
    this.log.push({ from: 'key', report });
    // Like hidraw: every open handle sees every input report; clients tell theirs by channel.
    for (const pipe of this.pipes) pipe.deliver(report);
  }

  private waitForTouch(context: CommandContext): Promise<void> {
    if (context.signal.aborted) return Promise.reject(new CtapStatusError('CTAP2_ERR_KEEPALIVE_CANCEL'));
    context.setStatus('up_needed');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.touchWait !== wait) return;
        this.touchWait = null;
        wait.reject(new CtapStatusError('CTAP2_ERR_USER_ACTION_TIMEOUT'));
      }, this.touchTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        context.signal.removeEventListener('abort', onAbort);
        context.setStatus('processing');
      };
      const onAbort = () => {
        if (this.touchWait === wait) this.touchWait = null;
        done();
        reject(new CtapStatusError('CTAP2_ERR_KEEPALIVE_CANCEL'));
      };
      const wait: TouchWait = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      context.signal.addEventListener('abort', onAbort, { once: true });
      this.touchWait = wait;
      for (const watcher of this.touchWatchers.splice(0)) watcher();
      // The person at an 'auto' key touches it as soon as it blinks.
      if (this.touchMode === 'auto') setImmediate(() => this.touch());
    });
  }
}
