import type { ServiceDeps } from '../context.js';
import type { Principal } from './principal.js';

/** Console sessions: opened by an agent's WebAuthn sign-in, short, only a hash of the token stored. */
export class ConsoleSessions {
  constructor(readonly deps: ServiceDeps) {}

  /** The agent behind a live console session token, or null; a call pushes the idle end back. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- filled by the operators work; until then nothing resolves here
  principal(_token: string): Promise<Principal | null> {
    return Promise.resolve(null);
  }
}
