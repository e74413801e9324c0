import type { DeviceSignals, SessionView } from '../../api/enrolment.js';
import type { IpcName, IpcRequest, IpcResults } from '../../api/ipc.js';
import { ApiClientError, type ApiClient } from './api-client.js';

/** Refusals after which the token is worth nothing: forget it rather than send it again. */
const SESSION_OVER: ReadonlySet<string> = new Set([
  'session_expired',
  'session_invalid',
  'session_completed',
  'device_revoked',
  'dpop_invalid',
]);

export type Handlers = { [N in IpcName]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

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
  private recoveryRequestId: string | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly device: DeviceSignals,
  ) {}

  /** A code that arrived in a `firstkey://` link, waiting for the renderer to pick it up. */
  offerLaunchCode(code: string): void {
    this.launchCode = code;
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
    startSession: async ({ code }) => this.adopt(await this.openFresh(() => this.api.openSession(code, this.device))),
    currentSession: async () => (this.token ? this.withSession((t) => this.api.getSession(t)) : null),
    registrationOptions: async ({ factor }) => this.withSession(async (t) => (await this.api.registrationOptions(t, factor)).options),
    verifyRegistration: async ({ factor, response }) =>
      this.withSession(async (t) => (await this.api.verifyRegistration(t, factor, response)).credential),
    completeSession: async (request) => {
      const result = await this.withSession((t) => this.api.complete(t, request ?? {}));
      this.token = null;
      return result;
    },
    endSession: async () => {
      const token = this.token;
      this.token = null;
      // Best effort: if the server cannot be told, the session still dies at its expiry and its factor never activates.
      if (token) await this.api.end(token).catch(() => undefined);
      return null;
    },
    takeLaunchCode: async () => {
      const code = this.launchCode;
      this.launchCode = null;
      return code;
    },
    recover: async (request) => {
      const device = this.device;
      if (request.method === 'recovery-code') {
        return this.adopt(await this.openFresh(() => this.api.openRecoverySession({ ...request, device })));
      }
      const requestId = this.recoveryRequestId;
      if (!requestId) throw new ApiClientError('no_session', 'no help-desk request was filed from this device');
      const opened = await this.openFresh(() =>
        this.api.openRecoverySession({ method: 'helpdesk', requestId, code: request.code, device }),
      );
      this.recoveryRequestId = null;
      return this.adopt(opened);
    },
    fileRecoveryRequest: async ({ username }) => {
      const filed = await this.api.fileRecoveryRequest(username, this.device);
      this.recoveryRequestId = filed.id;
      return filed;
    },
    recoveryRequestStatus: async () => (this.recoveryRequestId ? this.api.recoveryRequestStatus(this.recoveryRequestId) : null),
    authenticationOptions: async ({ username, purpose }) => {
      const { ceremonyId, options } = await this.api.authenticationOptions(username, purpose);
      this.ceremonyId = ceremonyId;
      return options;
    },
    authenticate: async ({ response }) => {
      const ceremonyId = this.ceremonyId;
      if (!ceremonyId) throw new ApiClientError('challenge_missing', 'ask for authentication options first');
      this.ceremonyId = null;
      return this.adopt(await this.openFresh(() => this.api.authenticate(ceremonyId, response, this.device)));
    },
    securityOverview: async () => this.withSession((t) => this.api.securityOverview(t)),
    renameFactor: async ({ id, name }) => this.withSession((t) => this.api.renameFactor(t, id, name)),
    removeFactor: async ({ id }) => {
      await this.withSession((t) => this.api.removeFactor(t, id));
      return null;
    },
    removeDevice: async ({ id }) => {
      await this.withSession((t) => this.api.removeDevice(t, id));
      return null;
    },
    regenerateRecoveryCodes: async () => this.withSession((t) => this.api.regenerateRecoveryCodes(t)),
  };

  /** Ends any session this window still holds before another opens: one window, one session. */
  private async openFresh<T>(open: () => Promise<T>): Promise<T> {
    if (this.token) await this.handlers.endSession(undefined);
    return open();
  }

  private adopt({ token, session }: { token: string; session: SessionView }): SessionView {
    this.token = token;
    return session;
  }
}
