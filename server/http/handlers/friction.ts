import type { frictionOperations } from '../../../api/operations/friction.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of friction: the funnel and the app's step timings do, each one call into the services. */
export function frictionHandlers(services: Services): HandlerSet<typeof frictionOperations> {
  return {
    funnelReport: ({ query }) => services.friction.funnel(query),
    reportStepTimings: async ({ caller, body }) => {
      await services.friction.recordStepTimings(caller, body);
    },
  };
}
