import type { ApiError } from '../../../api/errors';

/** A refusal from the server: its documented code, for the screen to explain. */
export class ConsoleCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  token?: string | null;
  query?: Record<string, string>;
}

function isApiError(body: unknown): body is ApiError {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * One call to the verification server on the console's own origin. A console session's token
 * rides in `Authorization: Console <token>`: never a cookie, so no other site can spend it.
 */
export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Console ${options.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ConsoleCallError(0, 'network', 'the server could not be reached');
  }
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    if (isApiError(body)) throw new ConsoleCallError(response.status, body.error.code, body.error.message);
    throw new ConsoleCallError(response.status, 'unknown', `HTTP ${response.status}`);
  }
  return body as T;
}
