import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreateUserRequest, IssueCodeRequest } from '../../api/admin.js';
import { RecoveryApprovalRequest, RecoveryDenialRequest, ReinstateFactorRequest, ResetRecoveryLockRequest } from '../../api/recovery.js';
import type { EnrolmentService } from '../enrolment/service.js';
import { ApiFailure } from '../errors.js';
import type { PolicyStore } from '../policy/store.js';
import { sameHash, sha256 } from '../secrets.js';
import { parse } from './common.js';

const ListQuery = z.object({ all: z.enum(['true', 'false']).optional() });

/**
 * `/v1/admin/*`: behind the admin bearer token. Help-desk decisions name the agent in the body:
 * the audit trail records who approved, and two approvals must come from two different names.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  service: EnrolmentService,
  policy: PolicyStore,
  adminToken: string | undefined,
): void {
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
  app.get('/v1/admin/recovery-requests', { preHandler: requireAdmin }, async (request) => {
    const query = parse(ListQuery, request.query);
    return { requests: await service.helpdesk.list(query.all === 'true') };
  });
  app.post<{ Params: { id: string } }>('/v1/admin/recovery-requests/:id/approve', { preHandler: requireAdmin }, async (request) => {
    const body = parse(RecoveryApprovalRequest, request.body);
    return service.helpdesk.approve(request.params.id, body.username, body.agent);
  });
  app.post<{ Params: { id: string } }>('/v1/admin/recovery-requests/:id/deny', { preHandler: requireAdmin }, async (request) => {
    const body = parse(RecoveryDenialRequest, request.body);
    return service.helpdesk.deny(request.params.id, body.username, body.agent, body.reason);
  });
  app.post('/v1/admin/recovery-locks/reset', { preHandler: requireAdmin }, async (request, reply) => {
    const body = parse(ResetRecoveryLockRequest, request.body);
    await service.recoveryCodes.resetLock(body.username, body.agent);
    return reply.status(204).send();
  });
  app.post<{ Params: { id: string } }>('/v1/admin/factors/:id/reinstate', { preHandler: requireAdmin }, async (request, reply) => {
    const body = parse(ReinstateFactorRequest, request.body);
    await service.manage.reinstateFactor(request.params.id, body.agent);
    return reply.status(204).send();
  });
}
