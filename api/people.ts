import { z } from 'zod';
import { Username } from './admin.js';
import { HelpdeskRequestView } from './recovery.js';

/** Why an agent revoked something: kept in the audit trail with the acting account. */
export const RevocationReason = z.object({ reason: z.string().trim().min(1).max(500) });
export type RevocationReason = z.infer<typeof RevocationReason>;

export const PersonParams = z.object({ username: Username });
export const PersonDeviceParams = z.object({ username: Username, id: z.string().min(1).max(64) });

/** A factor as the help desk sees it: never its public key or counter. */
export const PersonFactor = z.object({
  /** The credential id (base64url): what POST /v1/admin/factors/{id}/revoke takes. */
  id: z.string(),
  kind: z.enum(['passkey', 'security-key']),
  /** The person's own name for it, else the authenticator's model name, else null. */
  name: z.string().nullable(),
  status: z.enum(['pending', 'active', 'suspended', 'revoked']),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export type PersonFactor = z.infer<typeof PersonFactor>;

export const PersonDevice = z.object({
  id: z.string(),
  name: z.string(),
  platform: z.string(),
  lastSeenAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export type PersonDevice = z.infer<typeof PersonDevice>;

/** One audit event about the person. Details are identifiers and outcomes; anything named like a secret is left out. */
export const PersonEvent = z.object({
  event: z.string(),
  at: z.iso.datetime(),
  actor: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type PersonEvent = z.infer<typeof PersonEvent>;

export const PersonView = z.object({
  username: z.string(),
  displayName: z.string(),
  tier: z.string(),
  factors: z.array(PersonFactor),
  devices: z.array(PersonDevice),
  /** The newest first, at most 50. */
  events: z.array(PersonEvent),
  /** Their requests still pending or approved and not yet redeemed. */
  openRequests: z.array(HelpdeskRequestView),
});
export type PersonView = z.infer<typeof PersonView>;
