import type { Permission } from '../../api/permissions.js';
import { ApiFailure } from '../errors.js';
import { sameHash, sha256 } from '../secrets.js';
import { BOOTSTRAP_PRINCIPAL, type Principal } from './principal.js';

/** Where an operator's credential is looked up, by the scheme of the Authorization header. */
export interface PrincipalSources {
  /** sha256 of FIRSTKEY_ADMIN_TOKEN; null when none is configured. */
  bootstrapHash: string | null;
  /** `Bearer fk_...`: a per-account API token (server/operators/api-tokens.ts). */
  apiToken(token: string): Promise<Principal | null>;
  /** `Console <token>`: a console session opened by a WebAuthn sign-in (server/operators/console-sessions.ts). */
  consoleSession(token: string): Promise<Principal | null>;
}

const API_TOKEN_PREFIX = 'fk_';

/**
 * The operator behind an admin call: 401 when nobody is signed in, 403 (`forbidden`) when they are
 * but lack the operation's permission. The bootstrap token is compared in constant time.
 */
export async function resolvePrincipal(
  authorization: string | undefined,
  permission: Permission | undefined,
  sources: PrincipalSources,
): Promise<Principal> {
  const principal = await lookUp(authorization ?? '', sources);
  if (!principal) throw new ApiFailure('unauthorized', 'sign in: an API token, a console session or the bootstrap token is required');
  if (permission && !principal.permissions.has(permission)) {
    throw new ApiFailure('forbidden', `${principal.actor} may not do this: it needs the ${permission} permission`);
  }
  return principal;
}

async function lookUp(header: string, sources: PrincipalSources): Promise<Principal | null> {
  const [scheme, credential] = header.split(' ', 2);
  if (!credential) return null;
  if (scheme === 'Console') return sources.consoleSession(credential);
  if (scheme !== 'Bearer') return null;
  if (credential.startsWith(API_TOKEN_PREFIX)) return sources.apiToken(credential);
  return sources.bootstrapHash && sameHash(sha256(credential), sources.bootstrapHash) ? BOOTSTRAP_PRINCIPAL : null;
}
