import { Permission } from '../../api/permissions.js';

/** An operator the server has authenticated for an admin call. */
export interface Principal {
  /** How the audit trail names them: `account:<username>`, or `admin-api` for the bootstrap token. */
  actor: string;
  /** The operator's account (a user id); null for the bootstrap token, which stands for no person. */
  accountId: string | null;
  via: 'bootstrap' | 'token' | 'console';
  permissions: ReadonlySet<Permission>;
  /** For `console`: the session the call came in, so sign-out ends that one. */
  consoleSessionId?: string;
}

/** The bootstrap token (FIRSTKEY_ADMIN_TOKEN): every permission, no person behind it. */
export const BOOTSTRAP_PRINCIPAL: Principal = {
  actor: 'admin-api',
  accountId: null,
  via: 'bootstrap',
  permissions: new Set(Permission.options),
};
