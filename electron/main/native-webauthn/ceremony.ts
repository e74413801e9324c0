import type { NativeKeyState, NativeKeyStatus } from '../../../api/native-key.js';
import type {
  AuthenticationResponseJSON,
  CreationOptionsJSON,
  CredentialDescriptorJSON,
  RegistrationResponseJSON,
  RequestOptionsJSON,
} from '../../../api/webauthn.js';
import type { HidDeviceInfo } from '../ctap2/transport.js';
import type { Logger } from '../log/logger.js';
import { NativeCeremonyError, outcomeOf } from './ceremony-outcome.js';
import { clientData, rpIdFor } from './client-data.js';
import { ATTEMPTS_PER_INSERTION, minimumPinLength, newPinProblem, unusablePin } from './pin-rules.js';
import { ctapCode, type KeyControl, type KeyDriver, type KeyInfo, type KeyPinToken, type NativeKey } from './key-driver.js';
import { authenticationResponse, conveyedAttestation, registrationResponse } from './response-json.js';
import type { z } from 'zod';

/** When the server's options name no timeout: what browsers use for a security key. */
const DEFAULT_TIMEOUT_MS = 120_000;

interface PendingInput {
  kind: 'pin' | 'set_pin';
  resolve: (pin: string) => void;
  reject: (error: Error) => void;
}

export interface NativeCeremonyDeps {
  driver: KeyDriver;
  /** The enrolment origin the page is served under: the client data names it. */
  origin: string;
  logger?: Logger;
  /** How often the bus is asked for a key while none is plugged in. */
  pollMs?: number;
}

const bytes = (b64url: string): Buffer => Buffer.from(b64url, 'base64url');
const descriptors = (list: z.infer<typeof CredentialDescriptorJSON>[] | undefined) =>
  (list ?? []).map((d) => ({ type: 'public-key' as const, id: bytes(d.id), ...(d.transports ? { transports: [...d.transports] } : {}) }));

/**
 * The ceremony main runs with a USB security key, one at a time per window: what the person must
 * do is a state the page asks for (status), and the PIN comes back through submitPin / setPin. The
 * PIN is handed to the CTAP2 client and dropped; it is never stored here nor logged.
 */
export class NativeCeremonies {
  private current: NativeKeyStatus = { seq: 0, state: 'idle' };
  private watchers: { after: number; resolve: (status: NativeKeyStatus) => void }[] = [];
  private input: PendingInput | null = null;
  private running: AbortController | null = null;

  constructor(private readonly deps: NativeCeremonyDeps) {}

  /** The first state newer than `after` (at once when there is one). */
  status(after: number): Promise<NativeKeyStatus> {
    if (this.current.seq > after) return Promise.resolve(this.current);
    return new Promise((resolve) => this.watchers.push({ after, resolve }));
  }

  /** The PIN for the state 'pin'. */
  submitPin(pin: string): void {
    this.answer('pin', pin);
  }

  /** The new PIN for the state 'set_pin'. */
  setPin(pin: string): void {
    this.answer('set_pin', pin);
  }

  /** Stops whatever runs: a key waiting for a touch gets CTAPHID_CANCEL from the client. */
  cancel(): void {
    this.running?.abort(new NativeCeremonyError('cancelled'));
  }

  /**
   * Whether a key plugged in now has a PIN set (true when any has), asked without a touch (getInfo):
   * such a key refuses to register without its PIN, which Electron cannot ask for on macOS and Linux.
   * Undefined when no key is connected or none answers.
   */
  async connectedKeyHasPin(): Promise<boolean | undefined> {
    if (this.running) return undefined;
    let answer: boolean | undefined;
    for (const device of await this.deps.driver.list().catch(() => [])) {
      const key = await this.deps.driver.open(device).catch(() => null);
      if (!key) continue;
      try {
        const { options } = await key.getInfo();
        if (options.clientPin === true) return true;
        answer = false;
      } catch {
        // A key that does not answer getInfo says nothing either way.
      } finally {
        await key.close().catch(() => undefined);
      }
    }
    return answer;
  }

  /** Marks the server's part; the handlers call it with the response this ceremony made. */
  async verified<T>(verify: () => Promise<T>): Promise<T> {
    this.show({ state: 'verifying' });
    try {
      const result = await verify();
      this.show({ state: 'done' });
      return result;
    } catch (error) {
      // The page shows the server's refusal itself, as for any other registration.
      this.show({ state: 'idle' });
      throw error;
    }
  }

  register(options: CreationOptionsJSON): Promise<RegistrationResponseJSON> {
    return this.run(options.timeout, async (control) => {
      const rpId = this.rpId(options.rp.id);
      const data = clientData('webauthn.create', options.challenge, this.deps.origin);
      const uv = options.authenticatorSelection?.userVerification;
      return this.withKey(control, async (key, info) => {
        const verification = await this.verification(key, info, uv ?? 'preferred', { makeCredential: true }, rpId, control, true);
        const residentKey = options.authenticatorSelection?.residentKey;
        const rk =
          options.authenticatorSelection?.requireResidentKey === true ||
          residentKey === 'required' ||
          (residentKey === 'preferred' && info.options.rk === true);
        this.show({ state: 'touch' });
        const made = await key.makeCredential(
          {
            clientDataHash: data.hash,
            rp: { id: rpId, name: options.rp.name },
            user: { id: bytes(options.user.id), name: options.user.name, displayName: options.user.displayName },
            pubKeyCredParams: options.pubKeyCredParams.map(({ alg }) => ({ type: 'public-key' as const, alg })),
            excludeList: descriptors(options.excludeCredentials),
            options: { ...(rk ? { rk } : {}), ...(verification.uv ? { uv: true } : {}) },
            ...(verification.token ? { pinUvAuth: verification.token } : {}),
            attestation: options.attestation === 'none' || options.attestation === undefined ? 'none' : 'direct',
          },
          this.touchControl(control),
        );
        return registrationResponse(data.json, conveyedAttestation(options.attestation, made));
      });
    });
  }

  authenticate(options: RequestOptionsJSON): Promise<AuthenticationResponseJSON> {
    return this.run(options.timeout, async (control) => {
      const rpId = this.rpId(options.rpId);
      const data = clientData('webauthn.get', options.challenge, this.deps.origin);
      return this.withKey(control, async (key, info) => {
        const verification = await this.verification(
          key,
          info,
          options.userVerification ?? 'preferred',
          { getAssertion: true },
          rpId,
          control,
          false,
        );
        this.show({ state: 'touch' });
        const assertion = await key.getAssertion(
          {
            rpId,
            clientDataHash: data.hash,
            allowList: descriptors(options.allowCredentials),
            options: { up: true, ...(verification.uv ? { uv: true } : {}) },
            ...(verification.token ? { pinUvAuth: verification.token } : {}),
          },
          this.touchControl(control),
        );
        return authenticationResponse(data.json, assertion);
      });
    });
  }

  // ---------------------------------------------------------------- the steps

  private rpId(requested: string | undefined): string {
    const rpId = rpIdFor(requested, this.deps.origin);
    if (!rpId) throw new NativeCeremonyError('wrong_origin');
    return rpId;
  }

  /** Waits for a key, picks one by touch when there are several, and always closes it (the client zeroes its PIN token then). */
  private async withKey<T>(control: KeyControl & { signal: AbortSignal }, use: (key: NativeKey, info: KeyInfo) => Promise<T>): Promise<T> {
    for (;;) {
      const devices = await this.connected(control.signal);
      let key: NativeKey;
      if (devices.length > 1) {
        this.show({ state: 'choose_key', count: devices.length });
        key = await this.deps.driver.selectByTouch(devices, control);
      } else {
        key = await this.deps.driver.open(devices[0] as HidDeviceInfo);
      }
      try {
        const info = await key.getInfo();
        if (!info.versions.some((version) => version.startsWith('FIDO_2'))) throw new NativeCeremonyError('not_supported');
        return await use(key, info);
      } catch (error) {
        if (
          !(error instanceof NativeCeremonyError && error.outcome === 'pin_auth_blocked') &&
          ctapCode(error) !== 'CTAP2_ERR_PIN_AUTH_BLOCKED'
        ) {
          throw error;
        }
      } finally {
        await key.close().catch(() => undefined);
      }
      // Three wrong PINs in a row: the key takes another only after a power cycle. Once it has been
      // unplugged, the ceremony starts again with whichever key comes back (its PIN asked afresh).
      this.show({ state: 'pin_auth_blocked' });
      await this.unplugged(key.device.path, control.signal);
    }
  }

  private async unplugged(path: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const devices = await this.deps.driver.list();
      if (!devices.some((device) => device.path === path)) return;
      await this.pause(signal);
    }
  }

  private pause(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.deps.pollMs ?? 250);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async connected(signal: AbortSignal): Promise<HidDeviceInfo[]> {
    for (let asked = false; ; asked = true) {
      signal.throwIfAborted();
      const devices = await this.deps.driver.list();
      if (devices.length > 0) return devices;
      if (!asked) this.show({ state: 'insert_key' });
      await this.pause(signal);
    }
  }

  /**
   * How this key verifies the person, when the options want it: its PIN (asked for, or chosen first
   * when it has none and a PIN may be set here), or its own built-in check (a fingerprint).
   */
  private async verification(
    key: NativeKey,
    info: KeyInfo,
    wanted: 'required' | 'preferred' | 'discouraged',
    permissions: { makeCredential?: boolean; getAssertion?: boolean },
    rpId: string,
    control: KeyControl & { signal: AbortSignal },
    mayChoosePin: boolean,
  ): Promise<{ token?: KeyPinToken; uv?: boolean }> {
    const { clientPin, uv } = info.options;
    // A key with a PIN set refuses to make a credential without it (CTAP 2.1 §6.1.2 step 6): ask whenever it has one.
    if (clientPin === true && wanted !== 'discouraged') {
      // The key wants a new PIN before any use (CTAP 2.1 forcePINChange): asking for the old one would
      // only show "wrong PIN" for the right one. FirstKey does not change PINs; the key maker's tool does.
      if (info.forcePinChange) throw new NativeCeremonyError('pin_change_required');
      return { token: await this.pinLoop(key, permissions, rpId, control.signal) };
    }
    if (uv === true && wanted !== 'discouraged') return { uv: true };
    if (wanted !== 'required') return {};
    if (clientPin === false && mayChoosePin) {
      const pin = await this.choosePin(key, info.minPinLength, control.signal);
      return { token: await key.pinToken(pin, permissions, rpId) };
    }
    throw new NativeCeremonyError('no_user_verification');
  }

  private async pinLoop(
    key: NativeKey,
    permissions: { makeCredential?: boolean; getAssertion?: boolean },
    rpId: string,
    signal: AbortSignal,
  ): Promise<KeyPinToken> {
    let wrongHere = 0;
    let unusable = false;
    for (;;) {
      const { retries, powerCycleRequired } = await key.pinRetries();
      if (retries === 0) throw new NativeCeremonyError('pin_blocked');
      if (powerCycleRequired) throw new NativeCeremonyError('pin_auth_blocked');
      const attemptsBeforeReplug = Math.min(retries, ATTEMPTS_PER_INSERTION - wrongHere);
      this.show({ state: 'pin', retries, attemptsBeforeReplug, wrong: wrongHere > 0 || unusable });
      const pin = await this.await('pin', signal);
      unusable = unusablePin(pin);
      if (unusable) continue;
      try {
        return await key.pinToken(pin, permissions, rpId);
      } catch (error) {
        const code = ctapCode(error);
        if (code === 'CTAP2_ERR_PIN_POLICY_VIOLATION') throw new NativeCeremonyError('pin_change_required');
        if (code !== 'CTAP2_ERR_PIN_INVALID') throw error;
        wrongHere += 1;
        this.deps.logger?.info('native_key.pin_refused', { count: wrongHere });
      }
    }
  }

  private async choosePin(key: NativeKey, minLength: number, signal: AbortSignal): Promise<string> {
    let problem: 'too_short' | 'too_long' | null = null;
    for (;;) {
      this.show({ state: 'set_pin', minLength: minimumPinLength(minLength), problem });
      const pin = await this.await('set_pin', signal);
      problem = newPinProblem(pin, minLength);
      if (!problem) {
        try {
          await key.setPin(pin);
          return pin;
        } catch (error) {
          if (ctapCode(error) !== 'CTAP2_ERR_PIN_POLICY_VIOLATION') throw error;
          problem = 'too_short';
        }
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  private touchControl(control: KeyControl & { signal: AbortSignal }): KeyControl {
    return {
      signal: control.signal,
      onStatus: (status) => {
        if (status === 'touch_needed' && this.current.state !== 'touch') this.show({ state: 'touch' });
      },
    };
  }

  /** One ceremony at a time; its errors become a NativeCeremonyError whose outcome the page can explain. */
  private async run<T>(timeoutMs: number | undefined, work: (control: KeyControl & { signal: AbortSignal }) => Promise<T>): Promise<T> {
    this.running?.abort(new NativeCeremonyError('cancelled'));
    const abort = new AbortController();
    this.running = abort;
    const timer = setTimeout(() => {
      abort.abort(new NativeCeremonyError('timeout'));
    }, timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await work({ signal: abort.signal });
    } catch (error) {
      const outcome = outcomeOf(error, abort.signal);
      this.deps.logger?.warn('native_key.failed', { reason: outcome, code: ctapCode(error) });
      if (this.running === abort) {
        this.show(outcome === 'pin_blocked' || outcome === 'pin_auth_blocked' ? { state: outcome } : { state: 'failed', reason: outcome });
      }
      throw new NativeCeremonyError(outcome);
    } finally {
      clearTimeout(timer);
      if (this.running === abort) this.running = null;
      this.input?.reject(new NativeCeremonyError('cancelled'));
      this.input = null;
    }
  }

  private await(kind: 'pin' | 'set_pin', signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = () => {
        reject(signal.reason instanceof Error ? signal.reason : new NativeCeremonyError('cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.input = {
        kind,
        resolve: (pin) => {
          signal.removeEventListener('abort', onAbort);
          resolve(pin);
        },
        reject,
      };
    });
  }

  private answer(kind: 'pin' | 'set_pin', pin: string): void {
    const input = this.input;
    if (input?.kind !== kind) throw new NativeCeremonyError('cancelled');
    this.input = null;
    input.resolve(pin);
  }

  private show(state: NativeKeyState): void {
    this.current = { ...state, seq: this.current.seq + 1 };
    this.deps.logger?.debug('native_key.state', { status: state.state });
    const ready = this.watchers.filter((watcher) => this.current.seq > watcher.after);
    this.watchers = this.watchers.filter((watcher) => this.current.seq <= watcher.after);
    for (const watcher of ready) watcher.resolve(this.current);
  }
}
