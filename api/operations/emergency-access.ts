import { z } from 'zod';
import { Username } from '../admin.js';
import { operation, RecordId, type OperationSpec } from '../operation-spec.js';

/**
 * Emergency human-backed access for a service account. A service account never holds an
 * interactive factor; when a person must act for one, its named human owner asks with a reason
 * and a window from a fresh `manage` session (their own factor is the authentication), a second
 * person with the admin role approves, and the owner collects a short-lived access token once.
 * Systems introspect the token at each use (RFC 7662 shape, with RFC 8693's `act` naming the
 * owner); every request, decision, use and end is audited, and the grant ends by itself.
 */

/**
 * `requested`: waiting for an admin. `approved`: the owner may collect the token until the window
 * ends. `active`: the token was collected and works until the window ends. `denied`, `expired`
 * (window over, or nobody decided in time) and `ended` (ended early by the owner or an admin) are final.
 */
export const EmergencyGrantStatus = z.enum(['requested', 'approved', 'active', 'denied', 'expired', 'ended']);
export type EmergencyGrantStatus = z.infer<typeof EmergencyGrantStatus>;

/** Shortest window worth asking for; the longest is the policy's `emergencyAccess.maxMinutes`. */
export const MIN_EMERGENCY_MINUTES = 5;

/** Why, in words an auditor can read later. */
const Reason = z.string().trim().min(10, 'say why, in at least 10 characters').max(500);

export const EmergencyGrantView = z.object({
  id: z.string(),
  /** What people read out and type: `K7MQ-4QX9`. */
  reference: z.string(),
  serviceAccount: z.string(),
  owner: z.string(),
  reason: z.string(),
  minutes: z.number().int(),
  status: EmergencyGrantStatus,
  requestedAt: z.iso.datetime(),
  /** While `requested`: when the request lapses undecided. Once approved: when the window ends. */
  expiresAt: z.iso.datetime(),
  /** Audit actors: `account:<username>` for an operator, the bare username for the owner, `system:…` for the server. */
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  decisionReason: z.string().nullable(),
  activatedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  endedBy: z.string().nullable(),
  /** Answers `active: true` at introspection so far. */
  uses: z.number().int().min(0),
});
export type EmergencyGrantView = z.infer<typeof EmergencyGrantView>;

/** A service account the person in the session owns. */
export const OwnedServiceAccount = z.object({ username: z.string(), displayName: z.string() });
export type OwnedServiceAccount = z.infer<typeof OwnedServiceAccount>;

export const MyEmergencyAccess = z.object({
  serviceAccounts: z.array(OwnedServiceAccount),
  grants: z.array(EmergencyGrantView),
  /** The longest window this deployment's policy allows, and the window offered first. */
  maxMinutes: z.number().int(),
  defaultMinutes: z.number().int(),
});
export type MyEmergencyAccess = z.infer<typeof MyEmergencyAccess>;

export const RequestEmergencyAccess = z.strictObject({
  serviceAccount: Username,
  reason: Reason,
  minutes: z.number().int().min(MIN_EMERGENCY_MINUTES),
});
export type RequestEmergencyAccess = z.infer<typeof RequestEmergencyAccess>;

/** The token, shown once: `fke_<grant id>_<secret>`; only its hash is kept. */
export const ActivatedEmergencyAccess = z.object({
  grant: EmergencyGrantView,
  token: z.string().regex(/^fke_[A-Za-z0-9-]+_[A-Za-z0-9_-]+$/),
  expiresAt: z.iso.datetime(),
});
export type ActivatedEmergencyAccess = z.infer<typeof ActivatedEmergencyAccess>;

export const EmergencyDecision = z.strictObject({ reason: Reason });
export type EmergencyDecision = z.infer<typeof EmergencyDecision>;

export const EmergencyGrantList = z.object({ grants: z.array(EmergencyGrantView) });
export type EmergencyGrantList = z.infer<typeof EmergencyGrantList>;

export const EmergencyGrantQuery = z.object({ status: EmergencyGrantStatus.optional() });

/** Grants are named by id or reference in a path. */
export const EmergencyGrantParams = RecordId;

export const ServiceOwnerParams = z.object({ username: Username });
export const SetServiceOwner = z.strictObject({ owner: Username });
export const ServiceOwnerView = z.object({
  serviceAccount: z.string(),
  owner: z.string(),
  assignedBy: z.string(),
  assignedAt: z.iso.datetime(),
});
export type ServiceOwnerView = z.infer<typeof ServiceOwnerView>;

export const IntrospectionRequest = z.strictObject({ token: z.string().min(1).max(512) });

/**
 * RFC 7662 section 2.2: `{ active: false }` and nothing else for any token that does not work now
 * (unknown, forged, not yet collected, ended, expired, owner gone). When active: `sub` is the
 * service account, `act.sub` the person acting for it (RFC 8693 section 4.1), times in seconds.
 */
export const IntrospectionResponse = z.union([
  z.object({ active: z.literal(false) }).strict(),
  z.object({
    active: z.literal(true),
    sub: z.string(),
    act: z.object({ sub: z.string() }),
    token_type: z.literal('emergency_access'),
    exp: z.number().int(),
    iat: z.number().int(),
    jti: z.string(),
    reference: z.string(),
  }),
]);
export type IntrospectionResponse = z.infer<typeof IntrospectionResponse>;

/** The HTTP operations of emergency access (merged into api/http.ts). */
export const emergencyAccessOperations = {
  myEmergencyAccess: operation({
    method: 'GET',
    path: '/v1/sessions/current/emergency-access',
    summary: 'The service accounts the person owns and their emergency-access grants (manage session)',
    auth: 'session',
    response: MyEmergencyAccess,
    status: 200,
  }),
  requestEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/sessions/current/emergency-access',
    summary:
      "The owner asks to act for a service account: reason and window; needs a fresh assertion with the owner's own factor (manage session)",
    auth: 'session',
    body: RequestEmergencyAccess,
    response: EmergencyGrantView,
    status: 201,
  }),
  activateEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/sessions/current/emergency-access/{id}/activate',
    summary: 'The owner collects the access token of an approved grant, once, with a fresh assertion (manage session)',
    auth: 'session',
    params: EmergencyGrantParams,
    response: ActivatedEmergencyAccess,
    status: 200,
  }),
  endMyEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/sessions/current/emergency-access/{id}/end',
    summary: 'The owner ends their grant early, or withdraws the request (manage session)',
    auth: 'session',
    params: EmergencyGrantParams,
    response: EmergencyGrantView,
    status: 200,
  }),
  listEmergencyGrants: operation({
    method: 'GET',
    path: '/v1/admin/emergency-access',
    summary: 'Every emergency-access grant, newest first (the report)',
    auth: 'admin',
    permission: 'emergency:read',
    query: EmergencyGrantQuery,
    response: EmergencyGrantList,
    status: 200,
  }),
  approveEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/admin/emergency-access/{id}/approve',
    summary: 'A person with the admin role, not the owner, approves a request; the window starts now',
    auth: 'admin',
    permission: 'emergency:decide',
    params: EmergencyGrantParams,
    body: EmergencyDecision,
    response: EmergencyGrantView,
    status: 200,
  }),
  denyEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/admin/emergency-access/{id}/deny',
    summary: 'Denies a request',
    auth: 'admin',
    permission: 'emergency:decide',
    params: EmergencyGrantParams,
    body: EmergencyDecision,
    response: EmergencyGrantView,
    status: 200,
  }),
  endEmergencyAccess: operation({
    method: 'POST',
    path: '/v1/admin/emergency-access/{id}/end',
    summary: 'Ends an approved or active grant early; its token stops working at once',
    auth: 'admin',
    permission: 'emergency:decide',
    params: EmergencyGrantParams,
    body: EmergencyDecision,
    response: EmergencyGrantView,
    status: 200,
  }),
  introspectEmergencyToken: operation({
    method: 'POST',
    path: '/v1/admin/emergency-access/introspect',
    summary: 'A system asks whether an emergency-access token works now (RFC 7662 shape); each answer is audited',
    auth: 'admin',
    permission: 'emergency:introspect',
    body: IntrospectionRequest,
    response: IntrospectionResponse,
    status: 200,
  }),
  setServiceOwner: operation({
    method: 'POST',
    path: '/v1/admin/service-accounts/{username}/owner',
    summary: "Names the human owner of a service account (an active person's own account)",
    auth: 'admin',
    permission: 'users:write',
    params: ServiceOwnerParams,
    body: SetServiceOwner,
    response: ServiceOwnerView,
    status: 200,
  }),
} as const satisfies Record<string, OperationSpec>;
