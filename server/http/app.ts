import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { DPOP_HEADER } from '../../api/dpop.js';
import type { ApiError, ApiErrorCode } from '../../api/errors.js';
import type { Clock } from '../clock.js';
import type { ReplayCache } from '../dpop/replay-cache.js';
import { DatabaseLostError } from '../db/handle.js';
import { isTransient } from '../db/transaction.js';
import { KdfPoolBusyError } from '../recovery/kdf-pool.js';
import { verifyDpopProof, type ProofWindow } from '../dpop/verify-proof.js';
import { ApiFailure, RateLimited } from '../errors.js';
import type { PolicyStore } from '../policy/store.js';
import { sha256 } from '../secrets.js';
import { resolvePrincipal } from '../operators/resolve.js';
import type { Services } from '../services.js';
import { registerConsoleApp } from '../console/serve.js';
import { registerMetrics } from '../friction/routes.js';
import { registerScim } from '../scim/routes.js';
import { clientAddress, proxyTrust, type ForwardedHeader } from './client-address.js';
import { createHandlers } from './handlers.js';
import { proofUrl, type ProofUrl } from './public-url.js';
import { registerOperations, type Authenticators, type ClientGate } from './route.js';

export interface AppOptions {
  services: Services;
  policy: PolicyStore;
  clock: Clock;
  proofWindow: ProofWindow;
  adminToken?: string | undefined;
  logger?: boolean;
  /** Proof identifiers every instance shares (server/dpop/replay-cache.ts). */
  replay: ReplayCache;
  /** What keeps this instance from serving, for /readyz (server/readiness.ts); empty when ready. */
  readiness: () => Promise<string[]>;
  /** Per-client limits on the operations anyone may call (absent: none, for tools that embed the app). */
  clientGate?: ClientGate;
  /** Where the server stands behind a proxy: FIRSTKEY_PUBLIC_URL, FIRSTKEY_TRUSTED_PROXIES, FIRSTKEY_FORWARDED_HEADER. */
  network?: NetworkOptions;
}

export interface NetworkOptions {
  publicUrl?: string | undefined;
  trustedProxies: readonly string[];
  forwardedHeader: ForwardedHeader;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's address: the TCP peer, or what a trusted proxy says (server/http/client-address.ts). */
    readonly clientAddress: string;
  }
}

/** Longer than any path parameter the contract accepts (a 1023-byte credential id in base64url), so the schemas decide. */
const MAX_PARAM_LENGTH = 2048;

function proofHeader(request: FastifyRequest): string | undefined {
  const value = request.headers[DPOP_HEADER];
  return typeof value === 'string' ? value : undefined;
}

function errorBody(code: ApiErrorCode, message: string): ApiError {
  return { error: { code, message } };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).statusCode === 'number';
}

function authenticators(options: AppOptions, requestUrl: ProofUrl): Authenticators {
  const { replay } = options;
  const proof = (request: FastifyRequest, accessToken?: string) =>
    verifyDpopProof(
      { proof: proofHeader(request), method: request.method, url: requestUrl(request), accessToken, now: options.clock.now() },
      replay,
      options.proofWindow,
    );
  const expectedAdmin = options.adminToken ? sha256(options.adminToken) : null;
  return {
    proof: (request) => proof(request),
    session: async (request) => {
      const match = /^DPoP ([A-Za-z0-9_-]{20,})$/.exec(request.headers.authorization ?? '');
      if (!match?.[1]) throw new ApiFailure('session_invalid', 'missing DPoP-bound session token');
      return { token: match[1], jkt: await proof(request, match[1]) };
    },
    admin: (request, permission) =>
      resolvePrincipal(request.headers.authorization, permission, {
        bootstrapHash: expectedAdmin,
        apiToken: (token) => options.services.apiTokens.principal(token),
        consoleSession: (token) => options.services.consoleSessions.principal(token),
      }),
  };
}

/** The verification API over HTTP: every route from api/http.ts, every refusal in the contract's envelope. */
export function buildApp(options: AppOptions): FastifyInstance {
  const network = options.network ?? { trustedProxies: [], forwardedHeader: 'x-forwarded-for' };
  const trust = proxyTrust(network.trustedProxies);
  const app = Fastify({
    logger: options.logger
      ? {
          redact: ['req.headers.authorization', 'req.headers.dpop'],
          // The address limits count against, not the proxy's: what an operator needs when reading who hammered what.
          serializers: {
            req: (request: FastifyRequest) => ({ method: request.method, url: request.url, remoteAddress: request.clientAddress }),
          },
        }
      : false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // What the router refuses before any handler (a bad URL escape, an over-long parameter) keeps its status, in our envelope.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply.status(error.statusCode ?? 400).send(errorBody('invalid_request', error.message));
    },
  });

  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest) {
      return clientAddress(
        { peer: this.socket.remoteAddress ?? '', header: this.headers[network.forwardedHeader] },
        trust,
        network.forwardedHeader,
      );
    },
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof RateLimited) {
      void reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(429).send({ error: { code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds } });
    }
    if (error instanceof ApiFailure) {
      const body = errorBody(error.code, error.message);
      if (error.tries) body.error.tries = error.tries;
      if (error.posture) body.error.posture = error.posture;
      return reply.status(error.status).send(body);
    }
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      return reply.status(400).send(errorBody('invalid_request', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`));
    }
    // Fastify's own refusals (bad JSON, media type, body size, URL) keep their status, in our envelope.
    if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('invalid_request', error.message));
    }
    // Never a silent success and never a bare 500 for what the caller can retry elsewhere or later.
    if (error instanceof DatabaseLostError || error instanceof KdfPoolBusyError || isTransient(error)) {
      request.log.error({ err: error }, 'unavailable');
      void reply.header('retry-after', '1');
      return reply
        .status(503)
        .send(
          errorBody(
            'unavailable',
            error instanceof KdfPoolBusyError ? 'the server is busy: try again shortly' : 'the database is unavailable: try again shortly',
          ),
        );
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'internal error'));
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorBody('not_found', 'no such endpoint')));

  const auth = authenticators(options, proofUrl(network.publicUrl));
  registerOperations(app, createHandlers(options.services, options.policy, options.readiness), auth, options.clientGate);
  // Outside the operation table: their media types and error bodies are their standards' (SCIM, Prometheus), not ours.
  registerScim(app, options.services, auth);
  registerMetrics(app, options.services, auth);
  registerConsoleApp(app);
  return app;
}
