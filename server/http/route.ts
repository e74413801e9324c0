import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  httpOperations,
  type OperationAuth,
  type OperationName,
  type OperationOutput,
  type OperationSpec,
  type ParsedInput,
} from '../../api/http.js';
import { ZodError } from 'zod';
import { SESSION_DEADLINES_HEADER } from '../../api/enrolment.js';
import type { Permission } from '../../api/permissions.js';
import type { Caller } from '../context.js';
import type { Principal } from '../operators/principal.js';
import { ApiFailure } from '../errors.js';

/** What the route wrapper has established about the caller, by the operation's auth kind. */
export type AuthContext<N extends OperationName> =
  OperationAuth<N> extends 'proof'
    ? { jkt: string; /** The address limits count the request under (server/http/client-address.ts). */ client: string }
    : OperationAuth<N> extends 'session'
      ? { caller: Caller }
      : OperationAuth<N> extends 'admin'
        ? { actor: string; principal: Principal }
        : unknown;

export type Handler<N extends OperationName> = (input: ParsedInput<N> & AuthContext<N>) => Promise<OperationOutput<N>>;

/** One handler per operation: the compiler refuses a table that misses one. */
export type Handlers = { [N in OperationName]: Handler<N> };

/** The handlers of one group of operations (api/operations/*.ts). */
export type HandlerSet<Group> = { [N in keyof Group & OperationName]: Handler<N> };

/** How a request proves who sends it; each throws an ApiFailure when it cannot. */
export interface Authenticators {
  /** The thumbprint of the key that signed the request's DPoP proof (no token yet). */
  proof(request: FastifyRequest): Promise<string>;
  /** `Authorization: DPoP <token>` with a proof for that token (RFC 9449 section 7.1). */
  session(request: FastifyRequest): Promise<Caller>;
  /**
   * The operator calling an admin operation, refused (401) when not signed in and (403) without
   * the permission the operation names.
   */
  admin(request: FastifyRequest, permission: Permission | undefined): Promise<Principal>;
}

/**
 * Per-client limits (server/limits/client-limiter.ts): a call and a failure are reserved before
 * the call runs (RateLimited when the client is over), and the failure is given back when the
 * call was not the client's fault.
 */
export interface ClientGate {
  reserve(client: string): Promise<{ succeeded(): Promise<void> }>;
}

/** Refusals that count against a client: any 4xx but the limit's own 429 (counting that would extend the wait forever). */
function isRefusal(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ZodError) return 400;
  if (error instanceof ApiFailure) return error.status;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** `/v1/x/{id}` -> `/v1/x/:id`. */
const fastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

async function authenticate(spec: OperationSpec, request: FastifyRequest, auth: Authenticators): Promise<Record<string, unknown>> {
  switch (spec.auth) {
    case 'none':
      return {};
    case 'proof':
      return { jkt: await auth.proof(request) };
    case 'session':
      return { caller: await auth.session(request) };
    case 'admin': {
      const principal = await auth.admin(request, spec.permission);
      return { actor: principal.actor, principal };
    }
  }
}

/**
 * Registers every operation of api/http.ts: the caller is authenticated before anything is
 * parsed, then path parameters, query and body are parsed with the operation's schemas (a
 * ZodError becomes 400 in the app's error handler), and the answer goes out with the
 * operation's status.
 */
export function registerOperations(app: FastifyInstance, handlers: Handlers, auth: Authenticators, gate?: ClientGate): void {
  for (const name of Object.keys(httpOperations) as OperationName[]) {
    const spec: OperationSpec = httpOperations[name];
    const handler = handlers[name] as (input: Record<string, unknown>) => Promise<unknown>;
    const run = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const input: Record<string, unknown> = { ...(await authenticate(spec, request, auth)), client: request.clientAddress };
      try {
        if (spec.params) input.params = spec.params.parse(request.params);
        if (spec.query) input.query = spec.query.parse(request.query);
        if (spec.body) input.body = spec.body.parse(request.body ?? (spec.optionalBody ? {} : undefined));
        return await handler(input);
      } finally {
        // Refusals too: a call that found the session live pushed its idle end back, whatever it answered.
        const deadlines = (input.caller as Caller | undefined)?.deadlines;
        if (deadlines) void reply.header(SESSION_DEADLINES_HEADER, JSON.stringify(deadlines));
      }
    };
    const limited = spec.clientLimited && gate;
    app.route({
      method: spec.method,
      url: fastifyPath(spec.path),
      handler: async (request, reply) => {
        let result: unknown;
        if (limited) {
          // Reserved before anything is checked (proof, body, code), so no refusal is free and calls
          // sent at once cannot all pass before the first failure is counted.
          const reservation = await limited.reserve(request.clientAddress);
          try {
            result = await run(request, reply);
          } catch (error) {
            if (!isRefusal(statusOf(error))) await reservation.succeeded();
            throw error;
          }
          await reservation.succeeded();
        } else {
          result = await run(request, reply);
        }
        return spec.status === 204 ? reply.status(204).send() : reply.status(spec.status).send(result);
      },
    });
  }
}
