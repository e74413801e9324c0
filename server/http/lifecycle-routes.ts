import type { FastifyInstance } from 'fastify';
import { OpenRecoverySessionRequest, FileRecoveryRequest } from '../../api/recovery.js';
import { AuthenticateRequest, AuthenticationOptionsRequest, RenameRequest } from '../../api/security.js';
import type { EnrolmentService } from '../enrolment/service.js';
import { parse, type Callers } from './common.js';

type WithId = { Params: { id: string } };

/**
 * Sessions opened by an existing factor, recovery without one, and "My security". Calls that
 * open a session or file a request carry a DPoP proof and no token; what they create is bound
 * to the proof's key.
 */
export function registerLifecycleRoutes(app: FastifyInstance, service: EnrolmentService, { proofKey, caller }: Callers): void {
  app.post('/v1/authentication/options', async (request) => {
    const jkt = await proofKey(request);
    const body = parse(AuthenticationOptionsRequest, request.body);
    return service.authentication.options(body.username, body.purpose, jkt);
  });
  app.post('/v1/authentication/sessions', async (request, reply) => {
    const jkt = await proofKey(request);
    const body = parse(AuthenticateRequest, request.body);
    return reply.status(201).send(await service.authentication.openSession(body, jkt));
  });

  app.post('/v1/recovery/requests', async (request, reply) => {
    const jkt = await proofKey(request);
    const body = parse(FileRecoveryRequest, request.body);
    return reply.status(201).send(await service.helpdesk.file(body.username, jkt, body.device));
  });
  app.get<WithId>('/v1/recovery/requests/:id', async (request) => service.helpdesk.statusFor(request.params.id, await proofKey(request)));
  app.post('/v1/recovery/sessions', async (request, reply) => {
    const jkt = await proofKey(request);
    const { device, ...input } = parse(OpenRecoverySessionRequest, request.body);
    return reply.status(201).send(await service.recovery.openSession(input, jkt, device));
  });

  app.get('/v1/sessions/current/security', async (request) => service.manage.overview(await caller(request)));
  app.patch<WithId>('/v1/sessions/current/factors/:id', async (request) => {
    const body = parse(RenameRequest, request.body);
    return service.manage.renameFactor(await caller(request), request.params.id, body.name);
  });
  app.delete<WithId>('/v1/sessions/current/factors/:id', async (request, reply) => {
    await service.manage.removeFactor(await caller(request), request.params.id);
    return reply.status(204).send();
  });
  app.patch<WithId>('/v1/sessions/current/devices/:id', async (request) => {
    const body = parse(RenameRequest, request.body);
    return service.manage.renameDevice(await caller(request), request.params.id, body.name);
  });
  app.delete<WithId>('/v1/sessions/current/devices/:id', async (request, reply) => {
    await service.manage.removeDevice(await caller(request), request.params.id);
    return reply.status(204).send();
  });
  app.post('/v1/sessions/current/recovery-codes', async (request, reply) => {
    return reply.status(201).send(await service.manage.regenerateCodes(await caller(request)));
  });
}
