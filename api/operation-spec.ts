import { z, type ZodType } from 'zod';
import type { Permission } from './permissions.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Who may call. `proof`: a DPoP proof (RFC 9449) of the device key, no token yet; what the
 * call creates is bound to that key. `session`: a DPoP-bound session token plus a proof for
 * it. `admin`: an operator (the bootstrap token, an API token bound to an account, or a
 * console session) holding the operation's permission.
 */
export type AuthKind = 'none' | 'proof' | 'session' | 'admin';

/** Server-made ids (UUIDs) in a path. */
export const RecordId = z.object({ id: z.string().min(1).max(64) });
/** A factor is named by its credential id: base64url of up to 1023 bytes (WebAuthn L3, credential id length). */
export const FactorId = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'a base64url credential id')
    .max(1364),
});
export const ListQuery = z.object({ all: z.enum(['true', 'false']).optional() });

export interface OperationSpec {
  readonly method: HttpMethod;
  /** OpenAPI path template: `{name}` for each path parameter. */
  readonly path: `/${string}`;
  readonly summary: string;
  readonly auth: AuthKind;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: ZodType;
  /** The body may be left out; the schema's defaults apply to `{}`. */
  readonly optionalBody?: true;
  /** Absent: the success answer has no body. */
  readonly response?: ZodType;
  readonly status: 200 | 201 | 204;
  /**
   * Open to anyone with a key, so limited per client address (requests, and failed answers): over
   * the limit the answer is 429 `rate_limited` with `Retry-After`.
   */
  readonly clientLimited?: true;
  /** For `admin` operations: what the caller must hold (api/permissions.ts). */
  readonly permission?: Permission;
}

export const operation = <const T extends OperationSpec>(spec: T): T => spec;
