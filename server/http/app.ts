import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { CompleteRequest, OpenSessionRequest, RegistrationOptionsRequest, RegistrationRequest } from '../../api/enrolment.js';
import { DPOP_HEADER } from '../../api/dpop.js';
import type { ApiError } from '../../api/errors.js';
import { buildOpenApiDocument } from '../../api/openapi.js';
import type { Clock } from '../clock.js';
import { ReplayCache } from '../dpop/replay-cache.js';
import { verifyDpopProof, type ProofWindow } from '../dpop/verify-proof.js';
import type { Caller, EnrolmentService } from '../enrolment/service.js';
import { ApiFailure } from '../errors.js';
import type { PolicyStore } from '../policy/store.js';
import { registerAdminRoutes } from './admin-routes.js';
import { parse } from './common.js';
import { registerLifecycleRoutes } from './lifecycle-routes.js';

export interface AppOptions {
  service: EnrolmentService;
  policy: PolicyStore;
  clock: Clock;
  proofWindow: ProofWindow;
  adminToken?: string;
  logger?: boolean;
}

function requestUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.url}`;
}

function proofHeader(request: FastifyRequest): string | undefined {
  const value = request.headers[DPOP_HEADER];
  return typeof value === 'string' ? value : undefined;
}

function errorBody(code: ApiError['error']['code'], message: string): ApiError {
  return { error: { code, message } };
}

/** The verification API over HTTP: parsing and status codes here, every decision in the service. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { service, clock } = options;
  const replay = new ReplayCache();

  /** The thumbprint of the key that signed this request's proof (no token yet: session start). */
  const proofKey = (request: FastifyRequest, accessToken?: string) =>
    verifyDpopProof(
      { proof: proofHeader(request), method: request.method, url: requestUrl(request), accessToken, now: clock.now() },
      replay,
      options.proofWindow,
    );

  /** `Authorization: DPoP <token>` plus a proof for that token (RFC 9449 section 7.1). */
  const caller = async (request: FastifyRequest): Promise<Caller> => {
    const match = /^DPoP ([A-Za-z0-9_-]{20,})$/.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw new ApiFailure('session_invalid', 'missing DPoP-bound session token');
    return { token: match[1], jkt: await proofKey(request, match[1]) };
  };
  const app = Fastify({
    logger: options.logger ? { redact: ['req.headers.authorization'] } : false,
    bodyLimit: 64 * 1024,
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiFailure) return reply.status(error.status).send(errorBody(error.code, error.message));
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      return reply.status(400).send(errorBody('invalid_request', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send(errorBody('invalid_request', (error as Error).message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'internal error'));
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorBody('not_found', 'no such endpoint')));

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/v1/openapi.json', async () => buildOpenApiDocument());

  app.post('/v1/sessions', async (request, reply) => {
    const jkt = await proofKey(request);
    const body = parse(OpenSessionRequest, request.body);
    const result = await service.openSession(body.code, jkt, body.device);
    return reply.status(201).send(result);
  });
  app.get('/v1/sessions/current', async (request) => service.getSession(await caller(request)));
  app.post('/v1/sessions/current/registration-options', async (request) => {
    const body = parse(RegistrationOptionsRequest, request.body);
    return { options: await service.registrationOptions(await caller(request), body.factor) };
  });
  app.post('/v1/sessions/current/registrations', async (request, reply) => {
    const body = parse(RegistrationRequest, request.body);
    const credential = await service.verifyRegistration(await caller(request), body.factor, body.response);
    return reply.status(201).send({ credential });
  });
  app.post('/v1/sessions/current/complete', async (request) =>
    service.complete(await caller(request), parse(CompleteRequest, request.body ?? {})),
  );
  app.delete('/v1/sessions/current', async (request, reply) => {
    await service.end(await caller(request));
    return reply.status(204).send();
  });

  registerLifecycleRoutes(app, service, { proofKey: (request) => proofKey(request), caller });
  registerAdminRoutes(app, service, options.policy, options.adminToken);
  return app;
}
