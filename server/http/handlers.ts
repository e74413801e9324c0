import { buildOpenApiDocument } from '../../api/openapi.js';
import { ApiFailure } from '../errors.js';
import type { PolicyStore } from '../policy/store.js';
import type { Services } from '../services.js';
import type { Handlers } from './route.js';
import { consoleHandlers } from './handlers/console.js';
import { moverHandlers } from './handlers/movers.js';
import { frictionHandlers } from './handlers/friction.js';
import { breakGlassHandlers } from './handlers/break-glass.js';
import { emergencyAccessHandlers } from './handlers/emergency-access.js';
import { operatorHandlers } from './handlers/operators.js';
import { decidingAgent } from '../operators/deciding-agent.js';
import { helpdeskChecklist } from '../policy/schema.js';

/**
 * What each operation of api/http.ts does, as one call into the services. Parsing, auth and
 * status are the route wrapper's; every decision is the services'.
 */
export function createHandlers(services: Services, policy: PolicyStore, readiness: () => Promise<string[]>): Handlers {
  const { accounts, enrolment, authentication, helpdesk, recovery, recoveryCodes, manage, devices, stations, operators, deviceApprovals } =
    services;
  const openApi = buildOpenApiDocument();
  return {
    health: () => Promise.resolve({ ok: true as const }),
    readiness: async () => {
      const problems = await readiness();
      if (problems.length > 0) throw new ApiFailure('unavailable', `not ready: ${problems.join('; ')}`);
      return { ready: true as const };
    },
    openApiDocument: () => Promise.resolve(openApi),

    openSession: async ({ jkt, body }) => enrolment.openSession(body.code, jkt, body.device, body.confirmationId),
    getSession: async ({ caller }) => enrolment.getSession(caller),
    registrationOptions: async ({ caller, body }) => ({ options: await enrolment.registrationOptions(caller, body.factor) }),
    verifyRegistration: async ({ caller, body }) => ({
      credential: await enrolment.verifyRegistration(caller, body.factor, body.response, body.name),
    }),
    complete: async ({ caller, body }) => enrolment.complete(caller, body),
    endSession: async ({ caller }) => enrolment.end(caller),

    authenticationOptions: async ({ jkt, body }) => authentication.options(body.username, body.purpose, jkt),
    authenticate: async ({ jkt, body }) => authentication.openSession(body, jkt),

    fileRecoveryRequest: async ({ jkt, body }) => helpdesk.file(body.username, jkt, body.device),
    recoveryRequestStatus: async ({ jkt, params }) => helpdesk.statusFor(params.id, jkt),
    openRecoverySession: async ({ jkt, client, body: { device, ...input } }) => ({
      ...(await recovery.openSession(input, jkt, device, client)),
      kiosk: false,
    }),

    fileDeviceApproval: async ({ jkt, client, body }) => deviceApprovals.file(body.username, jkt, body.device, client),
    deviceApprovalStatus: async ({ jkt, params }) => deviceApprovals.statusFor(params.id, jkt),
    collectDeviceApproval: async ({ jkt, params, body }) => deviceApprovals.collect(params.id, jkt, body.device),
    findDeviceApproval: async ({ caller, body }) => deviceApprovals.findByCode(caller, body.code),
    decideDeviceApproval: async ({ caller, params, body }) => deviceApprovals.decide(caller, params.id, body.decision),

    securityOverview: async ({ caller }) => manage.overview(caller),
    renameFactor: async ({ caller, params, body }) => manage.renameFactor(caller, params.id, body.name),
    removeFactor: async ({ caller, params }) => manage.removeFactor(caller, params.id),
    renameDevice: async ({ caller, params, body }) => manage.renameDevice(caller, params.id, body.name),
    removeDevice: async ({ caller, params }) => manage.removeDevice(caller, params.id),
    regenerateRecoveryCodes: async ({ caller }) => manage.regenerateCodes(caller),

    createUser: async ({ actor, body }) => accounts.createUser(body, actor),
    issueCode: async ({ actor, body }) => accounts.issueCode(body.username, actor, body.ttlSeconds),
    reloadPolicy: async () => {
      const error = await policy.reload();
      if (error) throw new ApiFailure('invalid_request', `policy not reloaded, previous policy kept: ${error.message}`);
    },
    revokeDevice: async ({ actor, params }) => devices.revoke(params.id, actor),
    listRecoveryRequests: async ({ query }) => ({
      requests: await helpdesk.list(query.all === 'true'),
      checklist: [...helpdeskChecklist(policy.policy)],
    }),
    // Decisions are the signed-in account's (server/operators/deciding-agent.ts): two approvals are two people.
    approveRecovery: async ({ params, body, principal }) => helpdesk.approve(params.id, body.username, decidingAgent(principal), body),
    denyRecovery: async ({ params, body, principal }) => helpdesk.deny(params.id, body.username, decidingAgent(principal), body.reason),
    resetRecoveryLock: async ({ body, actor }) => recoveryCodes.resetLock(body.username, actor),
    registerStation: async ({ jkt, body }) => stations.register(body.code, jkt),
    stationStatus: async ({ jkt }) => stations.status(jkt),
    cancelConfirmations: async ({ jkt }) => operators.cancelConfirmations(jkt),
    operatorOptions: async ({ jkt, body }) => operators.options(body.operator, jkt),
    confirmNewHire: async ({ jkt, body }) => operators.confirm(body, jkt),
    issueStationCode: async ({ actor, body }) => stations.issueStationCode(body.name, actor, body.ttlSeconds),
    listStations: async () => ({ stations: await stations.list() }),
    revokeStation: async ({ actor, params }) => stations.revoke(params.stationId, actor),
    reinstateFactor: async ({ params, actor }) => manage.reinstateFactor(params.id, actor),
    ...operatorHandlers(services),
    ...consoleHandlers(services),
    ...moverHandlers(services),
    ...frictionHandlers(services),
    ...breakGlassHandlers(services),
    ...emergencyAccessHandlers(services),
  };
}
