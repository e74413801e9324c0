import { z } from 'zod';
import { Username } from './admin.js';
import { DeviceSignals } from './enrolment.js';

/**
 * Recovery without any factor (DESIGN.md flow 3): a saved recovery code, or a help-desk
 * request an agent approves (two different agents for privileged users). Either opens a
 * short `recover` session.
 */

const TypedCode = z.string().trim().min(1, 'enter the code').max(64);

export const RecoveryCodeRedemption = z.object({
  method: z.literal('recovery-code'),
  username: Username,
  code: TypedCode,
});

export const HelpdeskCodeRedemption = z.object({
  method: z.literal('helpdesk'),
  /** The request this device filed; the code only works from that device. */
  requestId: z.string().min(1).max(64),
  code: TypedCode,
});

/** What the renderer sends. */
export const RecoverInput = z.discriminatedUnion('method', [RecoveryCodeRedemption, HelpdeskCodeRedemption]);
export type RecoverInput = z.infer<typeof RecoverInput>;

/** On the wire main adds the device's signals. Answered with a CreateSessionResponse (purpose `recover`). */
export const OpenRecoverySessionRequest = z.discriminatedUnion('method', [
  RecoveryCodeRedemption.extend({ device: DeviceSignals }),
  HelpdeskCodeRedemption.extend({ device: DeviceSignals }),
]);
export type OpenRecoverySessionRequest = z.infer<typeof OpenRecoverySessionRequest>;

export const FileRecoveryInput = z.object({ username: Username });
export type FileRecoveryInput = z.infer<typeof FileRecoveryInput>;

export const FileRecoveryRequest = FileRecoveryInput.extend({ device: DeviceSignals });
export type FileRecoveryRequest = z.infer<typeof FileRecoveryRequest>;

/**
 * `pending`: waiting for approval. `approved`: a help-desk code exists and was given to the
 * agent to deliver. `denied`, `expired`, `redeemed`: over. `locked`: too many wrong codes.
 */
export const RecoveryRequestStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'redeemed', 'locked']);
export type RecoveryRequestStatus = z.infer<typeof RecoveryRequestStatus>;

/**
 * What the person reads to the help desk: two groups of four Crockford base32 characters. The
 * help desk's tools accept it in any case, with or without the dash, as well as the full id.
 */
export const RequestReference = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/, 'a reference such as K7MQ-4QX9');

/** The filing device's view: says nothing about whether the username exists. */
export const RecoveryRequestView = z.object({
  id: z.string(),
  reference: RequestReference,
  status: RecoveryRequestStatus,
  createdAt: z.iso.datetime(),
  /** When a pending request lapses, or when an approved request's code does. */
  expiresAt: z.iso.datetime(),
});
export type RecoveryRequestView = z.infer<typeof RecoveryRequestView>;

/**
 * The request as the app's help-desk screen shows it: the server's view, and how to reach the
 * help desk as managed configuration says (`helpDeskContact`; null when IT set none).
 */
export const HelpdeskRequestState = RecoveryRequestView.extend({ helpDeskContact: z.string().nullable() });
export type HelpdeskRequestState = z.infer<typeof HelpdeskRequestState>;

/** A help-desk agent's name as the audit trail records it. */
export const AgentName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@:-]+$/, 'letters, digits and . _ @ : - only');

/**
 * An agent's decision: the agent is the signed-in account (never a name in the body), the username
 * names whom they verified, the reason and the identity checks they confirmed go into the audit trail.
 */
export const RecoveryApprovalRequest = z.object({
  /** Must be the request's username: an approval names whom the agent verified. */
  username: Username,
  reason: z.string().trim().min(1).max(500),
  /** The ids of the policy's `helpdesk.checklist` items the agent confirmed; approving needs every one. */
  checklist: z.array(z.string().max(64)).max(20).default([]),
});
export type RecoveryApprovalRequest = z.infer<typeof RecoveryApprovalRequest>;

export const RecoveryDenialRequest = RecoveryApprovalRequest;
export type RecoveryDenialRequest = z.infer<typeof RecoveryDenialRequest>;

export const ResetRecoveryLockRequest = z.object({ username: Username });
export type ResetRecoveryLockRequest = z.infer<typeof ResetRecoveryLockRequest>;

/** The help desk's view of a request. */
export const HelpdeskRequestView = z.object({
  id: z.string(),
  /** What the person reads out; the agent may name the request by it. */
  reference: RequestReference,
  username: z.string(),
  /** Null when no such (human) user exists: deny it. */
  displayName: z.string().nullable(),
  tier: z.string().nullable(),
  status: RecoveryRequestStatus,
  approvalsRequired: z.number().int().min(1),
  approvals: z.array(z.object({ agent: z.string(), at: z.iso.datetime() })),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  /** The device that filed it, to compare with what the caller says. */
  device: z.object({ id: z.string(), name: z.string(), platform: z.string(), osVersion: z.string(), kind: z.enum(['personal', 'kiosk']) }),
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
});
export type HelpdeskRequestView = z.infer<typeof HelpdeskRequestView>;

export const RecoveryRequestList = z.object({
  requests: z.array(HelpdeskRequestView),
  /** What the organisation's policy asks agents to confirm before approving. */
  checklist: z.array(z.object({ id: z.string(), label: z.string() })).optional(),
});
export type RecoveryRequestList = z.infer<typeof RecoveryRequestList>;

export const RecoveryApprovalResponse = z.object({
  request: HelpdeskRequestView,
  /** Only on the final approval, shown once: the agent delivers it out of band. */
  code: z.string().optional(),
  codeExpiresAt: z.iso.datetime().optional(),
});
export type RecoveryApprovalResponse = z.infer<typeof RecoveryApprovalResponse>;

export const ReinstateFactorRequest = z.object({});
export type ReinstateFactorRequest = z.infer<typeof ReinstateFactorRequest>;
