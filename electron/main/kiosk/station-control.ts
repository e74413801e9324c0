import type { DeviceSignals, SessionView } from '../../../api/enrolment.js';
import type { KioskStationState } from '../../../api/ipc.js';
import type { RequestOptionsJSON } from '../../../api/webauthn.js';
import { ApiClientError, type ApiClient } from '../api-client.js';
import type { DeviceKeyLoader } from '../device/device-identity.js';
import type { Handlers } from '../enrolment-controller.js';
import type { KioskHost } from './host.js';
import { OperatorPinError } from './operator-pin.js';

/** Failures that mean the server was never reached (or answered nothing we could read). */
const UNREACHABLE: ReadonlySet<string> = new Set(['network', 'bad_response', 'internal']);

/** What main keeps of an operator's confirmation: the server's id for it, and whom it covers. */
interface HeldConfirmation {
  id: string;
  newHire: string;
}

/** What the station's calls need of the window's controller (electron/main/enrolment-controller.ts). */
export interface StationControlHost {
  api: ApiClient;
  device: DeviceSignals;
  /** Present only when managed configuration makes this computer a kiosk station. */
  kiosk: KioskHost | undefined;
  deviceKey: Pick<DeviceKeyLoader, 'status'> | undefined;
  now: (() => Date) | undefined;
  /** Ends any session the window holds, then opens one. */
  openFresh<T>(open: () => Promise<T>): Promise<T>;
  /** The window holds this session from now on. */
  adopt(opened: { token: string; session: SessionView }): SessionView;
  /** The operator's assertion options, for main's own security-key ceremony. */
  offerAssertion(options: RequestOptionsJSON): void;
  endSession(): Promise<unknown>;
  /** Everything the window held for the person at the station goes (this control's own state included). */
  forgetPerson(): void;
}

export type StationCalls =
  | 'stationStatus'
  | 'registerStation'
  | 'operatorOptions'
  | 'confirmNewHire'
  | 'printRecoveryCodes'
  | 'resetStation'
  | 'operatorPinStatus'
  | 'setOperatorPin'
  | 'verifyOperatorPin'
  | 'exitKiosk';

/**
 * A kiosk station's side of the window: its registration, the operator's PIN and unlock, the
 * operator's confirmation of the person at the station, and the codes kept only for its printer.
 */
export class StationControl {
  /** The operator's assertion ceremony on a kiosk station: its id never reaches the page. */
  private operatorCeremonyId: string | null = null;
  /**
   * The recovery codes of the person at the kiosk, kept only for the station's printer: the page asks
   * to print without sending text, so it cannot make the printer print anything else. Gone at reset.
   */
  private printableCodes: string[] | null = null;
  /** The operator's PIN was verified since the last reset: only then may the PIN change or the app leave kiosk mode. */
  private operatorUnlocked = false;
  /**
   * The station code from IT was redeemed in this run and no reset came since: the operator who typed it
   * is the only proof there is that whoever chooses the first PIN may, so the first PIN needs it.
   */
  private freshlyRegistered = false;
  /** The operator's confirmation for the person now at the station: its id opens their session, and only theirs. */
  private confirmation: HeldConfirmation | null = null;

  constructor(private readonly host: StationControlHost) {}

  /** A completed session's recovery codes, for the station's printer only. */
  keepPrintableCodes(codes: readonly string[] | undefined): void {
    if (this.host.kiosk && codes?.length) this.printableCodes = [...codes];
  }

  /** What a reset forgets of the station's side. */
  forget(): void {
    this.operatorCeremonyId = null;
    this.printableCodes = null;
    this.operatorUnlocked = false;
    this.freshlyRegistered = false;
    this.confirmation = null;
  }

  private requireKiosk(): KioskHost {
    if (!this.host.kiosk) throw new ApiClientError('not_a_kiosk', 'this computer is not a kiosk station');
    return this.host.kiosk;
  }

  private requireOperator(): KioskHost {
    const kiosk = this.requireKiosk();
    if (!this.operatorUnlocked) throw new ApiClientError('operator_unlock_required', "the operator's PIN is needed first");
    return kiosk;
  }

  /** The station's registration as the server sees it, and what the operator needs to judge the station's health. */
  private async stationState(): Promise<KioskStationState> {
    const kiosk = this.requireKiosk();
    // A keychain that cannot say whether a PIN is kept is shown in the health panel; the station just does not serve.
    const pinKept = await kiosk.operatorPin.isSet().catch(() => false);
    const operatorPin = pinKept ? 'set' : this.freshlyRegistered ? 'choose' : 'missing';
    const keychain = this.host.deviceKey ? await this.host.deviceKey.status() : 'ready';
    const state = { kiosk: true, operatorPin, keychain } as const;
    // Without a usable device key nothing can be signed, so the server cannot be asked who this station is.
    if (keychain !== 'ready') return { ...state, registration: 'unknown', station: null, serverReachable: null };
    try {
      const station = await this.host.api.call('stationStatus', {});
      return { ...state, registration: 'registered', station, serverReachable: true };
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error;
      if (error.code === 'station_not_registered') return { ...state, registration: 'unregistered', station: null, serverReachable: true };
      if (error.code === 'station_revoked') return { ...state, registration: 'revoked', station: null, serverReachable: true };
      return { ...state, registration: 'unknown', station: null, serverReachable: !UNREACHABLE.has(error.code) };
    }
  }

  /** A station serves nobody until its operator has a PIN: without one, nobody could let the operator out or in. */
  private async requireServingStation(): Promise<KioskHost> {
    const kiosk = this.requireKiosk();
    if (!(await kiosk.operatorPin.isSet())) throw new ApiClientError('operator_pin_missing', 'this station has no operator PIN yet');
    return kiosk;
  }

  /**
   * On a station a session opens only for the person the operator confirmed, with that confirmation,
   * and only as a kiosk session: anything else the server hands back is ended at once.
   */
  async openKioskSession(code: string): Promise<SessionView> {
    await this.requireServingStation();
    const held = this.confirmation;
    if (!held) throw new ApiClientError('operator_confirmation_required', 'the operator has not confirmed anyone at this station');
    const opened = await this.host.openFresh(() =>
      this.host.api.call('openSession', { body: { code, device: this.host.device, confirmationId: held.id } }),
    );
    // The server spent the confirmation on this session: whatever happens next, it opens nothing else.
    this.confirmation = null;
    if (opened.kiosk && opened.session.user.username === held.newHire) return this.host.adopt(opened);
    await this.host.api.call('endSession', { token: opened.token }).catch(() => undefined);
    throw new ApiClientError('kiosk_session_refused', 'the server did not open a kiosk session for the confirmed new hire');
  }

  /** The host's own refusals (a PIN too simple, an unlock that lapsed) in the contract's words. */
  private async fromHost<T>(run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof OperatorPinError)) throw error;
      const code =
        error.code === 'operator_required'
          ? 'operator_unlock_required'
          : error.code === 'pin_too_simple'
            ? 'pin_too_simple'
            : 'bad_payload';
      throw new ApiClientError(code, error.message);
    }
  }

  readonly handlers: Pick<Handlers, StationCalls> = {
    stationStatus: async () => (this.host.kiosk ? this.stationState() : { kiosk: false }),
    registerStation: async ({ code }) => {
      this.requireKiosk();
      await this.host.api.call('registerStation', { body: { code } });
      this.freshlyRegistered = true;
      return this.stationState();
    },
    operatorOptions: async ({ operator }) => {
      await this.requireServingStation();
      const { ceremonyId, options } = await this.host.api.call('operatorOptions', { body: { operator } });
      this.operatorCeremonyId = ceremonyId;
      this.host.offerAssertion(options);
      return options;
    },
    confirmNewHire: async ({ response, newHire, checks }) => {
      await this.requireServingStation();
      const ceremonyId = this.operatorCeremonyId;
      if (!ceremonyId) throw new ApiClientError('challenge_missing', "ask for the operator's options first");
      this.operatorCeremonyId = null;
      const confirmed = await this.host.api.call('confirmNewHire', { body: { ceremonyId, response, newHire, checks } });
      // The server cancelled this station's earlier confirmations: main holds only the newest too.
      this.confirmation = { id: confirmed.id, newHire: confirmed.newHire.username };
      const now = this.host.now?.() ?? new Date();
      return {
        newHire: confirmed.newHire,
        operator: confirmed.operator,
        checks: confirmed.checks,
        confirmedAt: now.toISOString(),
        expiresAt: confirmed.expiresAt,
      };
    },
    printRecoveryCodes: async () => {
      const kiosk = this.requireKiosk();
      if (!this.printableCodes) throw new ApiClientError('no_session', 'there are no recovery codes to print');
      return kiosk.printRecoveryCodes(this.printableCodes);
    },
    resetStation: async () => {
      const kiosk = this.requireKiosk();
      // The order the issue asks for: the server forgets the session and any confirmation first, then the page and its storage go.
      await this.host.endSession();
      // Best effort, like endSession: an unreachable server's confirmations still lapse at their expiry.
      await this.host.api.call('cancelConfirmations', {}).catch(() => undefined);
      this.host.forgetPerson();
      await kiosk.wipe();
      return null;
    },
    operatorPinStatus: async () => ({ set: await this.requireKiosk().operatorPin.isSet() }),
    setOperatorPin: async ({ pin }) => {
      const kiosk = this.requireKiosk();
      // Changing a PIN needs the current one; the first needs the station code IT just gave the operator,
      // redeemed in this run, so a passer-by at a station whose PIN was lost cannot take it over.
      const first = !(await kiosk.operatorPin.isSet());
      if (first && !this.freshlyRegistered) {
        throw new ApiClientError(
          'fresh_registration_required',
          'register the station again with a new station code to choose its first PIN',
        );
      }
      if (!first) this.requireOperator();
      await this.fromHost(() => kiosk.operatorPin.set(pin));
      this.freshlyRegistered = false;
      return null;
    },
    verifyOperatorPin: async ({ pin }) => {
      const verdict = await this.requireKiosk().operatorPin.verify(pin);
      this.operatorUnlocked = verdict.ok;
      return verdict;
    },
    exitKiosk: async () => {
      const kiosk = this.requireOperator();
      await this.fromHost(() => {
        kiosk.exit();
      });
      return null;
    },
  };
}

/** The station's calls as the controller's handlers, reaching the control only when called (it is made in the controller's constructor). */
export function stationHandlers(station: () => StationControl): Pick<Handlers, StationCalls> {
  return {
    stationStatus: (request) => station().handlers.stationStatus(request),
    registerStation: (request) => station().handlers.registerStation(request),
    operatorOptions: (request) => station().handlers.operatorOptions(request),
    confirmNewHire: (request) => station().handlers.confirmNewHire(request),
    printRecoveryCodes: (request) => station().handlers.printRecoveryCodes(request),
    resetStation: (request) => station().handlers.resetStation(request),
    operatorPinStatus: (request) => station().handlers.operatorPinStatus(request),
    setOperatorPin: (request) => station().handlers.setOperatorPin(request),
    verifyOperatorPin: (request) => station().handlers.verifyOperatorPin(request),
    exitKiosk: (request) => station().handlers.exitKiosk(request),
  };
}
