import { httpOperations, operationPath, type OperationName, type OperationSpec } from '../../api/http.js';
import type { DpopKey } from './dpop-key.js';

/**
 * The verification API as tests and the benchmark call it: by operation name from api/http.ts,
 * never by path. Unlike main's client it sends whatever it is given (malformed bodies, missing
 * proofs, foreign tokens) and hands back the raw answer, so tests can see every refusal.
 */
export interface Reply {
  status: number;
  body: unknown;
}

export interface SendOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  raw?: string;
  /** The session token, sent as `Authorization: DPoP <token>`. */
  token?: string;
  /** The device key that signs the DPoP proof; absent or `null` sends none. */
  key?: DpopKey | null;
  /** The operator's token, sent as `Authorization: Bearer <token>`. */
  adminToken?: string;
  headers?: Record<string, string>;
}

export function operation(name: OperationName): OperationSpec {
  return httpOperations[name];
}

export function urlOf(baseUrl: string, name: OperationName, opts: Pick<SendOptions, 'params' | 'query'> = {}): string {
  return `${baseUrl}${operationPath(operation(name), opts.params, opts.query)}`;
}

export async function send(baseUrl: string, name: OperationName, opts: SendOptions = {}): Promise<Reply> {
  const { method } = operation(name);
  const url = urlOf(baseUrl, name, opts);
  const headers: Record<string, string> = opts.key ? await opts.key.headers(method, url, opts.token) : {};
  if (!opts.key && opts.token) headers.authorization = `DPoP ${opts.token}`;
  if (opts.adminToken) headers.authorization = `Bearer ${opts.adminToken}`;
  Object.assign(headers, opts.headers);
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** A reply with its headers, for what a refusal says in them (Retry-After). */
export interface ReplyWithHeaders extends Reply {
  headers: Headers;
}

/** send(), keeping the answer's headers. */
export async function sendKeepingHeaders(baseUrl: string, name: OperationName, opts: SendOptions = {}): Promise<ReplyWithHeaders> {
  const { method } = operation(name);
  const url = urlOf(baseUrl, name, opts);
  const headers: Record<string, string> = opts.key ? await opts.key.headers(method, url, opts.token) : {};
  Object.assign(headers, opts.headers);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null, headers: res.headers };
}
