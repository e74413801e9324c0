import type { consoleOperations } from '../../../api/operations/console.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of the help-desk console's look-ups and revocations do, each one call into the services. */
export function consoleHandlers(_services: Services): HandlerSet<typeof consoleOperations> {
  return {};
}
