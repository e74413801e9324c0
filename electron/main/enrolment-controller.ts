import type { DeviceSignals, FactorKind, SessionDeadlines, SessionView } from '../../api/enrolment.js';
import type { DiagnosticsExport, IpcName, IpcRequest, IpcResults, KioskStationState } from '../../api/ipc.js';
import { ApiClientError, type ApiClient, type SessionAuth } from './api-client.js';
import type { CreationOptionsJSON, RequestOptionsJSON } from '../../api/webauthn.js';
import type { DeviceKeyLoader } from './device/device-identity.js';
import type { KioskHost } from './kiosk/host.js';
import { OperatorPinError } from './kiosk/operator-pin.js';
import { APPROVAL_CALLS, deviceApprovalHandlers } from './device-approval-handlers.js';
import { EMERGENCY_CALLS, emergencyAccessHandlers } from './emergency-access-handlers.js';
import { nativeKeyHandlers, type NativeKeySupport } from './native-webauthn/handlers.js';
import { HelpdeskRequests } from './recovery/helpdesk-requests.js';
import type { PendingRequestStore } from './recovery/pending-request.js';

/** Refusals after which the token is worth nothing: forget it rather than send it again. */
const SESSION_OVER: ReadonlySet<string> = new Set([
  'session_expired',
  'session_invalid',
  'session_completed',
  'device_revoked',
  'dpop_invalid',
]);

export type Handlers = { [N in IpcName]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

/** What the window's calls reach beyond the server: given by the composition root (index.ts). */
export interface ControllerOptions {
  /** This computer's device key: its status, and its replacement once it is known lost. */
  deviceKey?: Pick<DeviceKeyLoader, 'status' | 'replace'>;
  /** Collects the help-desk report and lets the person save it (electron/main/diagnostics.ts). */
  exportDiagnostics?: () => Promise<DiagnosticsExport>;
  /** Present only when managed configuration makes this computer a kiosk station: the window's printer, wipe, PIN and exit. */
  kiosk?: KioskHost;
  /** The station's clock, for when a confirmation arrived. */
  now?: () => Date;
  /** Keeps a filed help-desk request across restarts, bound to the device key (recovery/pending-request.ts). */
  pendingRequest?: PendingRequestStore;
  /** How to reach the help desk (managed configuration `helpDeskContact`), shown with the request's reference. */
  helpDeskContact?: string | undefined;
  /** FirstKey's own security-key ceremony (native-webauthn/): absent, every ceremony is the page's. */
  nativeKeys?: NativeKeySupport;
}

/**
 * A person's ways back and self-service belong on their own computer: a station serves first
 * enrolments after the operator step, and keeps nothing (no diagnostics file either).
 */
const PERSONAL_ONLY = [
  'recover',
  'fileRecoveryRequest',
  'recoveryRequestStatus',
  'authenticationOptions',
  'authenticate',
  'securityOverview',
  'renameFactor',
  'removeFactor',
  'removeDevice',
  'regenerateRecoveryCodes',
  'exportDiagnostics',
  ...APPROVAL_CALLS,
  ...EMERGENCY_CALLS,
] as const satisfies readonly IpcName[];

/** How many finished sessions' tokens main keeps for their step timings. */
const TIMING_TOKENS_KEPT = 3;

/** Failures that mean the server was never reached (or answered nothing we could read). */
const UNREACHABLE: ReadonlySet<string> = new Set(['network', 'bad_response', 'internal']);

/** What main keeps of an operator's confirmation: the server's id for it, and whom it covers. */
interface HeldConfirmation {
  id: string;
  newHire: string;
}

function notWired(what: string): never {
  throw new ApiClientError('internal', `${what} is not available in this build`);
}

/**
 * The enrolment as main holds it: the session token lives here and only here,
 * never in the renderer. One controller per window.
 */
export class EnrolmentController {
  private token: string | null = null;
  private launchCode: string | null = null;
  /** The assertion ceremony in progress: its id never reaches the renderer. */
  private ceremonyId: string | null = null;
  /** The help-desk request this device filed; its code works only together with it. */
  private readonly helpdesk: HelpdeskRequests;
  /** The renderer's pending waitForLaunchCode call, woken when a link arrives while it runs. */
  private linkWaiter: ((arrived: boolean) => void) | null = null;
  /** The operator's assertion ceremony on a kiosk station; like ceremonyId, never shown to the page. */
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

  /** The held session's deadlines as the latest answer gave them (the session's own, never an older one's). */
  private deadlines: SessionDeadlines | null = null;
  /** The creation options last handed to the page, for main's own ceremony: one ceremony per challenge. */
  private registration: { factor: FactorKind; options: CreationOptionsJSON } | null = null;
  /** The assertion options last handed to the page (a person's key, an operator's), likewise for main's ceremony. */
  private assertion: RequestOptionsJSON | null = null;
  private readonly api: ApiClient;
  /**
   * The tokens of this window's latest sessions by session id, kept after a session completes or ends
   * for one use: its step timings, sent once (the server takes a finished session's token for nothing else).
   */
  private readonly timingTokens = new Map<string, string>();

  constructor(
    api: ApiClient,
    private readonly device: DeviceSignals,
    private readonly options: ControllerOptions = {},
  ) {
    this.api = this.watchingDeadlines(api);
    this.helpdesk = new HelpdeskRequests(api, device, { store: options.pendingRequest, helpDeskContact: options.helpDeskContact });
    if (options.kiosk) {
      const refuse = () => Promise.reject(new ApiClientError('kiosk_enrolment_only', 'a kiosk station serves first enrolments only'));
      Object.assign(this.handlers, Object.fromEntries(PERSONAL_ONLY.map((name) => [name, refuse])));
    }
  }

  /**
   * A code that arrived in a `firstkey://` link, waiting for the renderer to pick it up.
   * The waiting renderer is only woken: the code itself still goes out through
   * takeLaunchCode, so a page that died while waiting loses nothing.
   */
  offerLaunchCode(code: string): void {
    this.launchCode = code;
    const waiter = this.linkWaiter;
    this.linkWaiter = null;
    waiter?.(true);
  }

  private requireKiosk(): KioskHost {
    if (!this.options.kiosk) throw new ApiClientError('not_a_kiosk', 'this computer is not a kiosk station');
    return this.options.kiosk;
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
    const keychain = this.options.deviceKey ? await this.options.deviceKey.status() : 'ready';
    const state = { kiosk: true, operatorPin, keychain } as const;
    // Without a usable device key nothing can be signed, so the server cannot be asked who this station is.
    if (keychain !== 'ready') return { ...state, registration: 'unknown', station: null, serverReachable: null };
    try {
      const station = await this.api.call('stationStatus', {});
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
  private async openKioskSession(code: string): Promise<SessionView> {
    await this.requireServingStation();
    const held = this.confirmation;
    if (!held) throw new ApiClientError('operator_confirmation_required', 'the operator has not confirmed anyone at this station');
    const opened = await this.openFresh(() =>
      this.api.call('openSession', { body: { code, device: this.device, confirmationId: held.id } }),
    );
    // The server spent the confirmation on this session: whatever happens next, it opens nothing else.
    this.confirmation = null;
    if (opened.kiosk && opened.session.user.username === held.newHire) return this.adopt(opened);
    await this.api.call('endSession', { token: opened.token }).catch(() => undefined);
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

  private requireToken(): string {
    if (!this.token) throw new ApiClientError('no_session', 'no enrolment session is open');
    return this.token;
  }

  /** Forgets the token when the server says the session is over, so a stale one is never reused. */
  private async withSession<T>(call: (token: string) => Promise<T>): Promise<T> {
    try {
      return await call(this.requireToken());
    } catch (error) {
      if (error instanceof ApiClientError && SESSION_OVER.has(error.code)) {
        this.token = null;
      }
      throw error;
    }
  }

  readonly handlers: Handlers = {
    // Device-to-device approval, both sides (electron/main/device-approval-handlers.ts): its ids stay in main too.
    ...deviceApprovalHandlers(() => ({
      api: this.api,
      device: this.device,
      withSession: <T>(call: (token: string) => Promise<T>) => this.withSession(call),
      openSession: async (open) => this.adopt(await this.openFresh(open)),
    })),
    // Acting for a service account, the owner's side (electron/main/emergency-access-handlers.ts): the session token stays here.
    ...emergencyAccessHandlers(() => ({
      api: this.api,
      withSession: <T>(call: (token: string) => Promise<T>) => this.withSession(call),
    })),
    // FirstKey's own security-key ceremony (electron/main/native-webauthn/handlers.ts): the options and the PIN stay in main.
    ...nativeKeyHandlers(() => ({
      support: this.options.nativeKeys,
      api: this.api,
      withSession: <T>(call: (token: string) => Promise<T>) => this.withSession(call),
      takeRegistration: (peek) => {
        const held = this.registration;
        if (!peek) this.registration = null;
        return held;
      },
      takeAssertion: (peek) => {
        const held = this.assertion;
        if (!peek) this.assertion = null;
        return held;
      },
    })),
    startSession: async ({ code }) =>
      this.options.kiosk
        ? this.openKioskSession(code)
        : this.adopt(await this.openFresh(() => this.api.call('openSession', { body: { code, device: this.device } }))),
    currentSession: async () => (this.token ? this.withSession((token) => this.api.call('getSession', { token })) : null),
    registrationOptions: async ({ factor }) => {
      this.registration = null;
      const options = await this.withSession(
        async (token) => (await this.api.call('registrationOptions', { token, body: { factor } })).options,
      );
      this.registration = { factor, options };
      return options;
    },
    verifyRegistration: async ({ factor, response, name }) => {
      const body = { factor, response, ...(name === undefined ? {} : { name }) };
      return this.withSession(async (token) => (await this.api.call('verifyRegistration', { token, body })).credential);
    },
    completeSession: async (request) => {
      const result = await this.withSession((token) => this.api.call('complete', { token, body: request ?? {} }));
      this.token = null;
      if (this.options.kiosk && result.recoveryCodes?.length) this.printableCodes = [...result.recoveryCodes];
      return result;
    },
    endSession: async () => {
      const token = this.token;
      this.token = null;
      this.registration = null;
      this.options.nativeKeys?.ceremonies?.cancel();
      // Best effort: if the server cannot be told, the session still dies at its expiry and its factor never activates.
      if (token) await this.api.call('endSession', { token }).catch(() => undefined);
      return null;
    },
    takeLaunchCode: () => {
      const code = this.launchCode;
      this.launchCode = null;
      return Promise.resolve(code);
    },
    waitForLaunchCode: () => {
      // One waiter: a reloaded page's new wait replaces the old page's.
      this.linkWaiter?.(false);
      this.linkWaiter = null;
      if (this.launchCode !== null) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        this.linkWaiter = resolve;
      });
    },
    deviceKeyStatus: async () => (this.options.deviceKey ?? notWired('the device key status')).status(),
    replaceDeviceKey: async () => {
      const replaced = await (this.options.deviceKey ?? notWired('replacing the device key')).replace();
      // The old key's sessions are gone with it: never send their token with the new key.
      if (replaced === 'ready') this.token = null;
      // Nor its help-desk request: the server would refuse it to the new key.
      if (replaced === 'ready') this.helpdesk.unload();
      return replaced;
    },
    exportDiagnostics: async () => (this.options.exportDiagnostics ?? notWired('exporting diagnostics'))(),
    recover: async (request) => {
      const device = this.device;
      if (request.method === 'recovery-code') {
        return this.adopt(await this.openFresh(() => this.api.call('openRecoverySession', { body: { ...request, device } })));
      }
      const held = await this.helpdesk.current();
      if (!held) throw new ApiClientError('no_session', 'no help-desk request was filed from this device');
      const opened = await this.openFresh(() =>
        this.api.call('openRecoverySession', { body: { method: 'helpdesk', requestId: held.id, code: request.code, device } }),
      );
      // Spent: a restart must not offer it again. The session is open whatever the disk says.
      await this.helpdesk.forget().catch(() => undefined);
      return this.adopt(opened);
    },
    fileRecoveryRequest: async ({ username }) => this.helpdesk.file(username),
    recoveryRequestStatus: async () => this.helpdesk.status(),
    authenticationOptions: async ({ username, purpose }) => {
      const { ceremonyId, options } = await this.api.call('authenticationOptions', { body: { username, purpose } });
      this.ceremonyId = ceremonyId;
      this.assertion = options;
      return options;
    },
    authenticate: async ({ response }) => {
      const ceremonyId = this.ceremonyId;
      if (!ceremonyId) throw new ApiClientError('challenge_missing', 'ask for authentication options first');
      this.ceremonyId = null;
      return this.adopt(await this.openFresh(() => this.api.call('authenticate', { body: { ceremonyId, response, device: this.device } })));
    },
    securityOverview: async () => this.withSession((token) => this.api.call('securityOverview', { token })),
    renameFactor: async ({ id, name }) =>
      this.withSession((token) => this.api.call('renameFactor', { token, params: { id }, body: { name } })),
    removeFactor: async ({ id }) => {
      await this.withSession((token) => this.api.call('removeFactor', { token, params: { id } }));
      return null;
    },
    removeDevice: async ({ id }) => {
      await this.withSession((token) => this.api.call('removeDevice', { token, params: { id } }));
      return null;
    },
    regenerateRecoveryCodes: async () => this.withSession((token) => this.api.call('regenerateRecoveryCodes', { token })),
    stationStatus: async () => (this.options.kiosk ? this.stationState() : { kiosk: false }),
    registerStation: async ({ code }) => {
      this.requireKiosk();
      await this.api.call('registerStation', { body: { code } });
      this.freshlyRegistered = true;
      return this.stationState();
    },
    operatorOptions: async ({ operator }) => {
      await this.requireServingStation();
      const { ceremonyId, options } = await this.api.call('operatorOptions', { body: { operator } });
      this.operatorCeremonyId = ceremonyId;
      this.assertion = options;
      return options;
    },
    confirmNewHire: async ({ response, newHire, checks }) => {
      await this.requireServingStation();
      const ceremonyId = this.operatorCeremonyId;
      if (!ceremonyId) throw new ApiClientError('challenge_missing', "ask for the operator's options first");
      this.operatorCeremonyId = null;
      const confirmed = await this.api.call('confirmNewHire', { body: { ceremonyId, response, newHire, checks } });
      // The server cancelled this station's earlier confirmations: main holds only the newest too.
      this.confirmation = { id: confirmed.id, newHire: confirmed.newHire.username };
      const now = this.options.now?.() ?? new Date();
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
      await this.handlers.endSession(undefined);
      // Best effort, like endSession: an unreachable server's confirmations still lapse at their expiry.
      await this.api.call('cancelConfirmations', {}).catch(() => undefined);
      this.forgetPerson();
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
    reportStepTimings: async ({ sessionId, timings }) => {
      const token = this.timingTokens.get(sessionId);
      if (!token) throw new ApiClientError('no_session', 'no session of this window has that id, or its timings were sent');
      this.timingTokens.delete(sessionId);
      await this.api.call('reportStepTimings', { token, body: timings });
      return null;
    },
  };

  /** Everything main held for the person at the station (and the operator's unlock) goes at a reset. */
  private forgetPerson(): void {
    this.ceremonyId = null;
    this.operatorCeremonyId = null;
    this.printableCodes = null;
    this.launchCode = null;
    this.helpdesk.unload();
    this.operatorUnlocked = false;
    this.freshlyRegistered = false;
    this.confirmation = null;
  }

  /** Ends any session this window still holds before another opens: one window, one session. */
  private async openFresh<T>(open: () => Promise<T>): Promise<T> {
    if (this.token) await this.handlers.endSession(undefined);
    return open();
  }

  private adopt({ token, session }: { token: string; session: SessionView }): SessionView {
    this.token = token;
    this.timingTokens.set(session.id, token);
    // A few sessions back is plenty: timings go out as a session finishes, before the next one is far along.
    for (const oldest of this.timingTokens.keys()) if (this.timingTokens.size > TIMING_TOKENS_KEPT) this.timingTokens.delete(oldest);
    this.deadlines = { lifetimeEndsAt: session.lifetimeEndsAt, idleEndsAt: session.idleEndsAt, serverTime: session.serverTime };
    return session;
  }

  /** The deadlines of the session this window holds, for the renderer's timer; null when it holds none. */
  sessionDeadlines(): SessionDeadlines | null {
    return this.token ? this.deadlines : null;
  }

  /**
   * Every answer to a session call (refusals too) says how far it pushed the idle end. Kept only for
   * the token it was sent with, and only when newer, so a slow answer never moves the end back.
   */
  private watchingDeadlines(api: ApiClient): ApiClient {
    return {
      call: (name, input) => {
        const token = (input as Partial<SessionAuth>).token;
        if (token === undefined) return api.call(name, input);
        const deadlines = (fresh: SessionDeadlines) => {
          if (this.token === token && (!this.deadlines || fresh.serverTime >= this.deadlines.serverTime)) this.deadlines = fresh;
        };
        return api.call(name, { ...(input as object), deadlines } as typeof input);
      },
    };
  }
}
