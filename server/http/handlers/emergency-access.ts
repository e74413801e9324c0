import type { emergencyAccessOperations } from '../../../api/operations/emergency-access.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the emergency-access operations do: the owner's calls in their manage session, the admins' as themselves. */
export function emergencyAccessHandlers(services: Services): HandlerSet<typeof emergencyAccessOperations> {
  const { emergencyAccess } = services;
  return {
    myEmergencyAccess: ({ caller }) => emergencyAccess.owner.mine(caller),
    requestEmergencyAccess: ({ caller, body }) => emergencyAccess.owner.request(caller, body),
    activateEmergencyAccess: ({ caller, params }) => emergencyAccess.owner.activate(caller, params.id),
    endMyEmergencyAccess: ({ caller, params }) => emergencyAccess.owner.end(caller, params.id),
    listEmergencyGrants: async ({ query }) => ({ grants: await emergencyAccess.list(query.status) }),
    approveEmergencyAccess: ({ params, body, principal }) => emergencyAccess.decide(params.id, 'approve', body.reason, principal),
    denyEmergencyAccess: ({ params, body, principal }) => emergencyAccess.decide(params.id, 'deny', body.reason, principal),
    endEmergencyAccess: ({ params, body, principal }) => emergencyAccess.end(params.id, body.reason, principal),
    introspectEmergencyToken: ({ body, principal }) => emergencyAccess.introspect(body.token, principal),
    setServiceOwner: ({ params, body, principal }) => emergencyAccess.setOwner(params.username, body.owner, principal.actor),
  };
}
