import { randomUUID } from 'node:crypto';
import { createApiClient, type ApiClient } from '../../../electron/main/api-client.js';
import { deviceKeyLoader } from '../../../electron/main/device/device-identity.js';
import { createProofSigner, type ProofSigner } from '../../../electron/main/device/dpop-proof.js';
import type { SecretStore } from '../../../electron/main/device/secret-store.js';
import { collectDeviceSignals } from '../../../electron/main/device/signals.js';
import { EnrolmentController } from '../../../electron/main/enrolment-controller.js';

/** Anything with the time: the server's clock, so proofs and server agree when a test moves time. */
export interface Clock {
  now(): Date;
}

/**
 * Stands in for the OS keychain (an OS service, not our code) so these tests run
 * without a Secret Service; test/keychain covers the real one. `broken` makes
 * every access fail, as a locked or missing keychain does.
 */
export class MemorySecretStore implements SecretStore {
  readonly entries = new Map<string, string>();
  broken = false;

  private check(): void {
    if (this.broken) throw new Error('org.freedesktop.secrets was not provided by any .service files');
  }
  async get(service: string, account: string): Promise<string | null> {
    this.check();
    return this.entries.get(`${service}\u0000${account}`) ?? null;
  }
  async set(service: string, account: string, secret: string): Promise<void> {
    this.check();
    this.entries.set(`${service}\u0000${account}`, secret);
  }
  async delete(service: string, account: string): Promise<boolean> {
    this.check();
    return this.entries.delete(`${service}\u0000${account}`);
  }
}

/** main's proof signer over its real device-key code, one installation per call. */
export function deviceProofSigner(store: SecretStore = new MemorySecretStore(), clock?: Clock): ProofSigner {
  const load = deviceKeyLoader(store, `test-${randomUUID()}`);
  return clock ? createProofSigner(load, () => clock.now().getTime()) : createProofSigner(load);
}

export const DEVICE = collectDeviceSignals('0.1.0-test', false);

export interface Device {
  controller: EnrolmentController;
  api: ApiClient;
  /** Every session token the server handed this device: to prove none reaches the renderer. */
  tokens: string[];
  /** Every assertion ceremony id the server handed this device: these stay in main too. */
  ceremonies: string[];
  store: MemorySecretStore;
}

/**
 * The app as one machine runs it: real API client with real DPoP proofs, real
 * controller. The client is wrapped only to record the tokens (and ceremony ids)
 * the server issues; every call still goes to the server unchanged.
 */
export function newDevice(baseUrl: string, options: { clock?: Clock; timeoutMs?: number } = {}): Device {
  const store = new MemorySecretStore();
  const api = createApiClient({
    baseUrl,
    signProof: deviceProofSigner(store, options.clock),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const tokens: string[] = [];
  const ceremonies: string[] = [];
  const recording: ApiClient = {
    call: async (name, input) => {
      const result: unknown = await api.call(name, input);
      if (result && typeof result === 'object') {
        if ('token' in result && typeof result.token === 'string') tokens.push(result.token);
        if ('ceremonyId' in result && typeof result.ceremonyId === 'string') ceremonies.push(result.ceremonyId);
      }
      return result as never;
    },
  };
  return { controller: new EnrolmentController(recording, DEVICE), api, tokens, ceremonies, store };
}

/** Resolves to what a promise settled with, so a test can look at a refusal. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
