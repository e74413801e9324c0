import type { operatorOperations } from '../../../api/operations/operators.js';
import type { Services } from '../../services.js';
import type { HandlerSet } from '../route.js';

/** What the operations of operator accounts: console sign-in, API tokens, roles do, each one call into the services. */
export function operatorHandlers(_services: Services): HandlerSet<typeof operatorOperations> {
  return {};
}
