import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError, type ZodType } from 'zod';
import { CreateUserRequest, IssueCodeRequest } from '../../api/admin.js';
import { CreateSessionRequest, RegistrationOptionsRequest, RegistrationRequest } from '../../api/enrolment.js';
import type { ApiError } from '../../api/errors.js';
import { buildOpenApiDocument } from '../../api/openapi.js';
import type { EnrolmentService } from '../enrolment/service.js';
import { ApiFailure } from '../errors.js';
import { sameHash, sha256 } from '../secrets.js';

export interface AppOptions {
  service: EnrolmentService;
  adminToken?: string;
  logger?: boolean;
}

function parse<T>(schema: ZodType<T>, value: unknown): T {
  return schema.parse(value);
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_-]{20,})$/.exec(header);
  if (!match?.[1]) throw new ApiFailure('session_invalid', 'missing session token');
  return match[1];
}

function errorBody(code: ApiError['error']['code'], message: string): ApiError {
  return { error: { code, message } };
}

/** The verification API over HTTP: parsing and status codes here, every decision in the service. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { service } = options;
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
    const body = parse(CreateSessionRequest, request.body);
    const result = await service.openSession(body.code);
    return reply.status(201).send(result);
  });
  app.get('/v1/sessions/current', async (request) => service.getSession(bearer(request)));
  app.post('/v1/sessions/current/registration-options', async (request) => {
    const body = parse(RegistrationOptionsRequest, request.body);
    return { options: await service.registrationOptions(bearer(request), body.factor) };
  });
  app.post('/v1/sessions/current/registrations', async (request, reply) => {
    const body = parse(RegistrationRequest, request.body);
    const credential = await service.verifyRegistration(bearer(request), body.factor, body.response);
    return reply.status(201).send({ credential });
  });
  app.post('/v1/sessions/current/complete', async (request) => service.complete(bearer(request)));
  app.delete('/v1/sessions/current', async (request, reply) => {
    await service.end(bearer(request));
    return reply.status(204).send();
  });

  registerAdminRoutes(app, service, options.adminToken);
  return app;
}

function registerAdminRoutes(app: FastifyInstance, service: EnrolmentService, adminToken: string | undefined): void {
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
}
