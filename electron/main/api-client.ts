import { SESSION_DEADLINES_HEADER, SessionDeadlines } from '../../api/enrolment.js';
import { ApiError, type TriesLeft } from '../../api/errors.js';
import {
  httpOperations,
  operationPath,
  type OperationAuth,
  type OperationInput,
  type OperationName,
  type OperationOutput,
  type OperationSpec,
} from '../../api/http.js';
import type { IpcErrorCode } from '../../api/ipc.js';
import type { PostureRefusal } from '../../api/posture.js';
import type { ProofSigner } from './device/dpop-proof.js';
import { CodedError } from '../../api/coded-error.js';
import { silentLogger, type Logger } from './log/logger.js';
import { serverEndpoint } from './network/server-url.js';

/** A failed API call, with a code the renderer can turn into guidance. Never carries tokens or codes. */
export class ApiClientError extends CodedError<IpcErrorCode> {
  /** How long the server asked this device to wait before trying again (429 `rate_limited`). */
  retryAfterSeconds?: number;
  /** With a wrong code: the tries its owner has left before waiting (and, near it, before the lock). */
  tries?: TriesLeft;
  /** With device_posture_insufficient: what this computer lacks for its tier. */
  posture?: PostureRefusal;
}

/** The deadlines an answer to a session call carries, or undefined when it carries none we can read. */
function deadlinesOf(response: Response): SessionDeadlines | undefined {
  const header = response.headers.get(SESSION_DEADLINES_HEADER);
  if (!header) return undefined;
  const parsed = SessionDeadlines.safeParse(safeJson(header));
  return parsed.success ? parsed.data : undefined;
}

/** The wait a 429 asks for: the body's `retryAfterSeconds`, else the Retry-After header (seconds). */
function retryAfter(fromBody: number | undefined, header: string | null): number | undefined {
  if (fromBody !== undefined) return fromBody;
  const seconds = Number(header);
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

export interface ApiClientOptions {
  baseUrl: string;
  /** Every request is sender-constrained: signed by this device's key. */
  signProof: ProofSigner;
  /** Electron's net.fetch on the API session in the app (network/api-session.ts); Node's fetch in tests. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** One line per call: operation, method, path template, status, duration, error code. Never headers or bodies. */
  logger?: Logger;
  now?: () => number;
}

/** The operations a device makes: never the operator's. */
export type DeviceOperation = { [N in OperationName]: OperationAuth<N> extends 'proof' | 'session' ? N : never }[OperationName];

/**
 * What a session call sends with its input: the token main holds, and who hears the session's deadlines
 * from the answer (refusals included), so main always knows how far the last call pushed the idle end.
 */
export interface SessionAuth {
  token: string;
  deadlines?: (deadlines: SessionDeadlines) => void;
}

/** A call's input; session calls also carry the token main holds. */
export type CallInput<N extends DeviceOperation> = OperationInput<N> & (OperationAuth<N> extends 'session' ? SessionAuth : unknown);

export interface ApiClient {
  call<N extends DeviceOperation>(name: N, input: CallInput<N>): Promise<OperationOutput<N>>;
}

interface WireInput {
  token?: string;
  deadlines?: SessionAuth['deadlines'];
  params?: Record<string, string>;
  body?: unknown;
}

/** The verification API as main sees it, from api/http.ts. Every response is parsed against the contract before use. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? performance.now.bind(performance);

  /** Logs the call by its template path (`/v1/sessions/current/factors/{id}`): no ids, no query, nothing sent. */
  async function logged(name: DeviceOperation, spec: OperationSpec, input: WireInput): Promise<unknown> {
    const started = now();
    const base = { operation: name, method: spec.method, path: spec.path };
    const outcome = { status: null as number | null };
    try {
      const result = await send(spec, input, outcome);
      logger.info('api.call', { ...base, status: outcome.status, durationMs: Math.round(now() - started) });
      return result;
    } catch (error) {
      const code = error instanceof ApiClientError ? error.code : 'internal';
      logger.warn('api.call_failed', { ...base, status: outcome.status, durationMs: Math.round(now() - started), code });
      throw error;
    }
  }

  async function send(spec: OperationSpec, input: WireInput, outcome: { status: number | null }): Promise<unknown> {
    const url = serverEndpoint(options.baseUrl, operationPath(spec, input.params));
    const headers: Record<string, string> = { accept: 'application/json' };
    // Every body-carrying call sends one, so an optional body is `{}` rather than absent.
    const body = spec.body ? JSON.stringify(input.body ?? {}) : null;
    if (body !== null) headers['content-type'] = 'application/json';
    if (input.token) headers.authorization = `DPoP ${input.token}`;
    try {
      headers.dpop = await options.signProof(spec.method, url.href, input.token);
    } catch (cause) {
      // Without its key the device cannot prove who it is; never fall back to an unbound request.
      throw new ApiClientError('keychain_unavailable', 'the device key could not be read from the OS keychain', { cause });
    }
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { method: spec.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      outcome.status = response.status;
      // The body can stall or break too: that is still the network failing, not the app.
      text = await response.text();
    } catch (cause) {
      throw new ApiClientError('network', 'the verification server could not be reached', { cause });
    }
    const json: unknown = text ? safeJson(text) : null;
    const deadlines = input.deadlines ? deadlinesOf(response) : undefined;
    if (deadlines) input.deadlines?.(deadlines);
    if (!response.ok) {
      const refusal = ApiError.safeParse(json);
      if (refusal.success) {
        const refused = new ApiClientError(refusal.data.error.code, refusal.data.error.message);
        const wait = retryAfter(refusal.data.error.retryAfterSeconds, response.headers.get('retry-after'));
        if (wait !== undefined) refused.retryAfterSeconds = wait;
        if (refusal.data.error.tries) refused.tries = refusal.data.error.tries;
        if (refusal.data.error.posture) refused.posture = refusal.data.error.posture;
        throw refused;
      }
      throw new ApiClientError('bad_response', `unexpected ${response.status} from the server`);
    }
    if (!spec.response) return undefined;
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) throw new ApiClientError('bad_response', 'the server answered outside the contract');
    return parsed.data;
  }

  return {
    call: async (name, input) => (await logged(name, httpOperations[name], input as WireInput)) as never,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
