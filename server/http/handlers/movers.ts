import type { moverOperations } from '../../../api/operations/movers.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** Movers' operations, each one call into the services. */
export function moverHandlers(services: Services): HandlerSet<typeof moverOperations> {
  return {
    setPersonRole: async ({ actor, params, body }) => services.movers.setRole(params.username, body, actor, 'admin-api'),
  };
}
