import type { ZodType } from 'zod';
import {
  type CompleteRequestInput,
  CompleteResponse,
  CreateSessionResponse,
  type DeviceSignals,
  type FactorKind,
  RegistrationOptionsResponse,
  RegistrationResponse,
  SessionView,
} from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import type { IpcErrorCode } from '../../api/ipc.js';
import type { OpenRecoverySessionRequest } from '../../api/recovery.js';
import { RecoveryRequestView } from '../../api/recovery.js';
import {
  AuthenticationOptionsResponse,
  FactorView,
  RecoveryCodesResponse,
  SecurityOverview,
  type AuthenticationPurpose,
} from '../../api/security.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../../api/webauthn.js';
import type { ProofSigner } from './device/dpop-proof.js';

/** A failed API call, with a code the renderer can turn into guidance. Never carries tokens or codes. */
export class ApiClientError extends Error {
  override name = 'ApiClientError';
  constructor(
    readonly code: IpcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  /** Every request is sender-constrained: signed by this device's key. */
  signProof: ProofSigner;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The verification API as main sees it. Every response is parsed against the contract before use. */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call<T>(method: string, path: string, schema: ZodType<T> | null, init: { token?: string; body?: unknown }): Promise<T> {
    const url = new URL(path, options.baseUrl);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `DPoP ${init.token}`;
    try {
      headers.dpop = await options.signProof(method, url.href, init.token);
    } catch (cause) {
      // Without its key the device cannot prove who it is; never fall back to an unbound request.
      throw new ApiClientError('keychain_unavailable', 'the device key could not be read from the OS keychain', { cause });
    }
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body can stall or break too: that is still the network failing, not the app.
      text = await response.text();
    } catch (cause) {
      throw new ApiClientError('network', 'the verification server could not be reached', { cause });
    }
    const json: unknown = text ? safeJson(text) : null;
    if (!response.ok) {
      const refusal = ApiError.safeParse(json);
      if (refusal.success) throw new ApiClientError(refusal.data.error.code, refusal.data.error.message);
      throw new ApiClientError('bad_response', `unexpected ${response.status} from the server`);
    }
    if (!schema) return undefined as T;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiClientError('bad_response', 'the server answered outside the contract');
    return parsed.data;
  }

  return {
    openSession: (code: string, device: DeviceSignals) => call('POST', '/v1/sessions', CreateSessionResponse, { body: { code, device } }),
    getSession: (token: string) => call('GET', '/v1/sessions/current', SessionView, { token }),
    registrationOptions: (token: string, factor: FactorKind) =>
      call('POST', '/v1/sessions/current/registration-options', RegistrationOptionsResponse, { token, body: { factor } }),
    verifyRegistration: (token: string, factor: FactorKind, response: RegistrationResponseJSON) =>
      call('POST', '/v1/sessions/current/registrations', RegistrationResponse, { token, body: { factor, response } }),
    complete: (token: string, body: CompleteRequestInput = {}) =>
      call('POST', '/v1/sessions/current/complete', CompleteResponse, { token, body }),
    authenticationOptions: (username: string, purpose: AuthenticationPurpose) =>
      call('POST', '/v1/authentication/options', AuthenticationOptionsResponse, { body: { username, purpose } }),
    authenticate: (ceremonyId: string, response: AuthenticationResponseJSON, device: DeviceSignals) =>
      call('POST', '/v1/authentication/sessions', CreateSessionResponse, { body: { ceremonyId, response, device } }),
    fileRecoveryRequest: (username: string, device: DeviceSignals) =>
      call('POST', '/v1/recovery/requests', RecoveryRequestView, { body: { username, device } }),
    recoveryRequestStatus: (id: string) => call('GET', `/v1/recovery/requests/${encodeURIComponent(id)}`, RecoveryRequestView, {}),
    securityOverview: (token: string) => call('GET', '/v1/sessions/current/security', SecurityOverview, { token }),
    renameFactor: (token: string, id: string, name: string) =>
      call('PATCH', `/v1/sessions/current/factors/${encodeURIComponent(id)}`, FactorView, { token, body: { name } }),
    removeFactor: (token: string, id: string) => call('DELETE', `/v1/sessions/current/factors/${encodeURIComponent(id)}`, null, { token }),
    removeDevice: (token: string, id: string) => call('DELETE', `/v1/sessions/current/devices/${encodeURIComponent(id)}`, null, { token }),
    regenerateRecoveryCodes: (token: string) =>
      call('POST', '/v1/sessions/current/recovery-codes', RecoveryCodesResponse, { token, body: {} }),
    openRecoverySession: (body: OpenRecoverySessionRequest) => call('POST', '/v1/recovery/sessions', CreateSessionResponse, { body }),
    end: (token: string) => call('DELETE', '/v1/sessions/current', null, { token }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
