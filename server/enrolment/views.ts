import type { UserView } from '../../api/admin.js';
import type { CredentialView } from '../../api/enrolment.js';
import type { FactorView } from '../../api/security.js';
import { listedAuthenticatorName } from '../attestation/names.js';
import type { CredentialRow, UserRow } from '../db/schema.js';

export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    accountKind: u.account_kind,
    employmentType: u.employment_type,
  };
}

export function credentialView(c: CredentialRow): CredentialView {
  return {
    id: c.id,
    factor: c.factor,
    status: c.status,
    // Rows stored before the bundled list named models (null then) are named from it when read.
    authenticatorName: c.authenticator_name ?? listedAuthenticatorName(c.aaguid),
    name: c.name,
    createdAt: c.created_at,
    expiresAt: c.expires_at,
  };
}

export function factorView(c: CredentialRow): FactorView {
  return { ...credentialView(c), name: c.name, lastUsedAt: c.last_used_at, deviceId: c.device_id };
}
