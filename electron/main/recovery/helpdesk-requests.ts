// Main process only; plain Node.
import type { DeviceSignals } from '../../../api/enrolment.js';
import type { HelpdeskRequestState, RecoveryRequestStatus, RecoveryRequestView } from '../../../api/recovery.js';
import { ApiClientError, type ApiClient } from '../api-client.js';
import type { PendingRequest, PendingRequestStore } from './pending-request.js';

/** Answers after which the request can never yield a session: the person is told why once, then it is forgotten. */
const OVER: ReadonlySet<RecoveryRequestStatus> = new Set(['denied', 'expired', 'redeemed', 'locked']);

export interface HelpdeskRequestsOptions {
  /** Where the request outlives a restart (user data); without it, only this run remembers it. */
  store?: PendingRequestStore | undefined;
  /** How to reach the help desk, from managed configuration. */
  helpDeskContact?: string | undefined;
}

/**
 * The help-desk request this computer filed: main keeps its id (the page never sees a request id
 * it could swap), across restarts when a store is given, until it is used, denied or lapses.
 */
export class HelpdeskRequests {
  private held: PendingRequest | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly device: DeviceSignals,
    private readonly options: HelpdeskRequestsOptions = {},
  ) {}

  private state(view: RecoveryRequestView): HelpdeskRequestState {
    return { ...view, helpDeskContact: this.options.helpDeskContact ?? null };
  }

  /** The request this run filed, or the one an earlier run kept for this device key. */
  async current(): Promise<PendingRequest | null> {
    this.held ??= (await this.options.store?.load()) ?? null;
    return this.held;
  }

  async file(username: string): Promise<HelpdeskRequestState> {
    const filed = await this.api.call('fileRecoveryRequest', { body: { username, device: this.device } });
    this.held = { id: filed.id, reference: filed.reference };
    // Kept before the person is shown the reference: they may close the app as soon as they have it.
    await this.options.store?.save(this.held);
    return this.state(filed);
  }

  /**
   * The request as the server sees it now. One that is over is returned this once, so the screen
   * can say why, and forgotten; one the server does not know for this key is forgotten silently.
   */
  async status(): Promise<HelpdeskRequestState | null> {
    const held = await this.current();
    if (!held) return null;
    let view: RecoveryRequestView;
    try {
      view = await this.api.call('recoveryRequestStatus', { params: { id: held.id } });
    } catch (error) {
      if (error instanceof ApiClientError && error.code === 'not_found') {
        await this.forget();
        return null;
      }
      throw error;
    }
    if (OVER.has(view.status)) await this.forget();
    return this.state(view);
  }

  /** The request was used, or can never be: gone from memory and from disk. */
  async forget(): Promise<void> {
    this.held = null;
    await this.options.store?.clear();
  }

  /**
   * Lets go of what this run holds in memory (the device key was replaced, a station was reset): the
   * next look reads the store again, which checks the request against the key then in use.
   */
  unload(): void {
    this.held = null;
  }
}
