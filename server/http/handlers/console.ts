import type { consoleOperations } from '../../../api/operations/console.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of the help-desk console's look-ups and revocations do, each one call into the services. */
export function consoleHandlers(services: Services): HandlerSet<typeof consoleOperations> {
  const { people } = services;
  return {
    getPerson: async ({ params }) => people.lookup.byUsername(params.username),
    revokeFactor: async ({ actor, params, body }) => people.revocation.revokeFactor(params.id, body.reason, actor),
    revokePersonDevice: async ({ actor, params, body }) => people.revocation.revokeDevice(params.username, params.id, body.reason, actor),
  };
}
