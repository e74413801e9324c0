import type { breakGlassOperations } from '../../../api/operations/break-glass.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of break-glass accounts do: each one call into the service, as the operator who called. */
export function breakGlassHandlers(services: Services): HandlerSet<typeof breakGlassOperations> {
  return {
    breakGlassCeremony: ({ params }) => services.breakGlass.ceremony(params.username),
    superviseBreakGlass: ({ params, body, principal }) => services.breakGlass.supervise(params.username, body, principal),
    labelBreakGlassKey: ({ params, body, principal }) => services.breakGlass.label(params.username, params.id, body, principal),
  };
}
