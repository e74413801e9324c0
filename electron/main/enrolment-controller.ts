import type { DeviceSignals } from '../../api/enrolment.js';
import type { IpcName, IpcRequest, IpcResults } from '../../api/ipc.js';
import { ApiClientError, type ApiClient } from './api-client.js';

export type Handlers = { [N in IpcName]: (request: IpcRequest<N>) => Promise<IpcResults[N]> };

/**
 * The enrolment as main holds it: the session token lives here and only here,
 * never in the renderer. One controller per window.
 */
export class EnrolmentController {
  private token: string | null = null;
  private launchCode: string | null = null;

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
      if (error instanceof ApiClientError && ['session_expired', 'session_invalid', 'session_completed'].includes(error.code)) {
        this.token = null;
      }
      throw error;
    }
  }

  readonly handlers: Handlers = {
    startSession: async ({ code }) => {
      if (this.token) await this.handlers.endSession(undefined);
      const { token, session } = await this.api.openSession(code, this.device);
      this.token = token;
      return session;
    },
    currentSession: async () => (this.token ? this.withSession((t) => this.api.getSession(t)) : null),
    registrationOptions: async ({ factor }) => this.withSession(async (t) => (await this.api.registrationOptions(t, factor)).options),
    verifyRegistration: async ({ factor, response }) =>
      this.withSession(async (t) => (await this.api.verifyRegistration(t, factor, response)).credential),
    completeSession: async () => {
      const result = await this.withSession((t) => this.api.complete(t));
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
  };
}
