import type { ServiceDeps } from '../context.js';
import type { Principal } from './principal.js';

/** Per-account API tokens: `fk_<id>_<secret>`, only a hash stored, scopes within the account's roles. */
export class ApiTokens {
  constructor(readonly deps: ServiceDeps) {}

  /** The account behind a presented token, or null when it is unknown, revoked, expired or its account left. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- filled by the operators work; until then nothing resolves here
  principal(_token: string): Promise<Principal | null> {
    return Promise.resolve(null);
  }
}
