import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError, type ZodType } from 'zod';
import { CreateUserRequest, IssueCodeRequest } from '../../api/admin.js';
import { OpenSessionRequest, RegistrationOptionsRequest, RegistrationRequest } from '../../api/enrolment.js';
import { DPOP_HEADER } from '../../api/dpop.js';
import type { ApiError } from '../../api/errors.js';
import { buildOpenApiDocument } from '../../api/openapi.js';
import type { Clock } from '../clock.js';
import { ReplayCache } from '../dpop/replay-cache.js';
import { verifyDpopProof, type ProofWindow } from '../dpop/verify-proof.js';
import type { Caller, EnrolmentService } from '../enrolment/service.js';
import { ApiFailure } from '../errors.js';
import type { PolicyStore } from '../policy/store.js';
import { sameHash, sha256 } from '../secrets.js';

export interface AppOptions {
  service: EnrolmentService;
  policy: PolicyStore;
  clock: Clock;
  proofWindow: ProofWindow;
  adminToken?: string;
  logger?: boolean;
}

function parse<T>(schema: ZodType<T>, value: unknown): T {
  return schema.parse(value);
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
    verifyDpopProof({ proof: proofHeader(request), method: request.method, url: requestUrl(request), accessToken, now: clock.now() }, replay, options.proofWindow);

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
  app.post('/v1/sessions/current/complete', async (request) => service.complete(await caller(request)));
  app.delete('/v1/sessions/current', async (request, reply) => {
    await service.end(await caller(request));
    return reply.status(204).send();
  });

  registerAdminRoutes(app, service, options.policy, options.adminToken);
  return app;
}

function registerAdminRoutes(app: FastifyInstance, service: EnrolmentService, policy: PolicyStore, adminToken: string | undefined): void {
  const expected = adminToken ? sha256(adminToken) : null;
  const requireAdmin = async (request: FastifyRequest) => {
    // Without a configured token the admin API does not exist: the CLI works on the database directly.
    if (!expected) throw new ApiFailure('not_found', 'admin API disabled');
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!sameHash(sha256(given), expected)) throw new ApiFailure('unauthorized', 'admin token required');
  };
  app.post('/v1/admin/users', { preHandler: requireAdmin }, async (request, reply) => {
    const user = await service.createUser(parse(CreateUserRequest, request.body), 'admin-api');
    return reply.status(201).send(user);
  });
  app.post('/v1/admin/enrolment-codes', { preHandler: requireAdmin }, async (request, reply) => {
    const body = parse(IssueCodeRequest, request.body);
    return reply.status(201).send(await service.issueCode(body.username, 'admin-api', body.ttlSeconds));
  });
  app.post('/v1/admin/policy/reload', { preHandler: requireAdmin }, async (_request, reply) => {
    const error = await policy.reload();
    if (error) throw new ApiFailure('invalid_request', `policy not reloaded, previous policy kept: ${error.message}`);
    return reply.status(204).send();
  });
  app.post<{ Params: { id: string } }>('/v1/admin/devices/:id/revoke', { preHandler: requireAdmin }, async (request, reply) => {
    await service.devices.revoke(request.params.id, 'admin-api');
    return reply.status(204).send();
  });
}
