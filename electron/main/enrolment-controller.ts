import type { DeviceSignals, FactorKind, SessionDeadlines, SessionView } from '../../api/enrolment.js';
import type { DiagnosticsExport, IpcName, IpcRequest, IpcResults } from '../../api/ipc.js';
import { ApiClientError, type ApiClient, type SessionAuth } from './api-client.js';
import type { CreationOptionsJSON, RequestOptionsJSON } from '../../api/webauthn.js';
import type { DeviceKeyLoader } from './device/device-identity.js';
import type { KioskHost } from './kiosk/host.js';
import { APPROVAL_CALLS, deviceApprovalHandlers } from './device-approval-handlers.js';
import { EMERGENCY_CALLS, emergencyAccessHandlers } from './emergency-access-handlers.js';
import { nativeKeyHandlers, type NativeKeySupport } from './native-webauthn/handlers.js';
import { HelpdeskRequests } from './recovery/helpdesk-requests.js';
import { StationControl, stationHandlers } from './kiosk/station-control.js';
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
  /** The station's side (electron/main/kiosk/station-control.ts): its state is kept there. */
  private readonly station: StationControl;

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
    this.station = new StationControl({
      api: this.api,
      device,
      kiosk: options.kiosk,
      deviceKey: options.deviceKey,
      now: options.now,
      openFresh: (open) => this.openFresh(open),
      adopt: (opened) => this.adopt(opened),
      offerAssertion: (assertion) => {
        this.assertion = assertion;
      },
      endSession: () => this.handlers.endSession(undefined),
      forgetPerson: () => {
        this.forgetPerson();
      },
    });
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
    // A kiosk station's registration, operator and printer (electron/main/kiosk/station-control.ts).
    ...stationHandlers(() => this.station),
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
        ? this.station.openKioskSession(code)
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
      this.station.keepPrintableCodes(result.recoveryCodes);
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
    this.launchCode = null;
    this.helpdesk.unload();
    this.station.forget();
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
