import { z } from 'zod';

/**
 * What an operator may do. Every admin operation names one (api/operation-spec.ts); an account
 * holds them through its roles, an API token through the scopes it was issued with (never more
 * than its account's roles allow).
 */
export const Permission = z.enum([
  /** See recovery requests and their state. */
  'recovery:read',
  /** Approve or deny a recovery request, lift a recovery lock, reinstate a suspended factor. */
  'recovery:decide',
  /** Look up a person's factors, devices and recent events. */
  'people:read',
  /** Revoke a person's factor or device. */
  'people:revoke',
  /** Issue enrolment codes. */
  'codes:issue',
  /** Create users and change their role or employment. */
  'users:write',
  /** Provision users over SCIM. */
  'scim',
  /** Kiosk stations: issue their codes, list, revoke. */
  'stations:manage',
  /** Reload the policy file. */
  'policy:reload',
  /** Operator accounts' roles and API tokens. */
  'operators:manage',
  /** Read and export the audit trail, verify its chain. */
  'audit:read',
  /** Friction metrics and reports. */
  'metrics:read',
  /** See emergency-access grants for service accounts (the report). */
  'emergency:read',
  /** Approve, deny or end emergency access to a service account (never one's own request). */
  'emergency:decide',
  /** Ask whether an emergency-access token works now: what a system acting on it holds. */
  'emergency:introspect',
]);
export type Permission = z.infer<typeof Permission>;

export const OperatorRole = z.enum(['helpdesk', 'admin', 'auditor']);
export type OperatorRole = z.infer<typeof OperatorRole>;

/** The permissions each role grants. An auditor reads and never changes anything. */
export const ROLE_PERMISSIONS: Record<OperatorRole, readonly Permission[]> = {
  helpdesk: ['recovery:read', 'recovery:decide', 'people:read', 'people:revoke', 'codes:issue'],
  admin: Permission.options,
  auditor: ['recovery:read', 'people:read', 'audit:read', 'metrics:read', 'emergency:read'],
};
