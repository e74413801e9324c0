import { ApiFailure } from '../errors.js';
import type { DecidingAgent } from '../recovery/helpdesk.js';
import type { Principal } from './principal.js';

const ACCOUNT_ACTOR = 'account:';

/**
 * The person behind a help-desk decision. Two-person approval counts accounts, so the bootstrap
 * token, which stands for no person, may not decide.
 */
export function decidingAgent(principal: Principal): DecidingAgent {
  if (!principal.accountId || !principal.actor.startsWith(ACCOUNT_ACTOR)) {
    throw new ApiFailure('forbidden', 'the bootstrap token is no person: decide with an agent account (console sign-in or its API token)');
  }
  return { id: principal.accountId, username: principal.actor.slice(ACCOUNT_ACTOR.length) };
}
