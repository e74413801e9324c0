import { z } from 'zod';
import { Username } from '../admin.js';
import { FactorId, operation, type OperationSpec } from '../operation-spec.js';

export const BreakGlassParams = z.object({ username: Username });

/**
 * The session a custodian watches, named by the reference the key holder reads out from their own
 * screen (the console does not show it): a session someone else opened beside it is not confirmed by
 * mistake, and a custodian cannot confirm without hearing it. Any case, dashes and spaces ignored.
 */
export const BreakGlassSupervision = z.strictObject({ reference: z.string().trim().min(1).max(20) });
export type BreakGlassSupervision = z.infer<typeof BreakGlassSupervision>;
export const BreakGlassKeyParams = z.object({ username: Username, ...FactorId.shape });

/** Who keeps a break-glass key, and where: both required, free text an auditor can read. */
export const BreakGlassKeyLabel = z.strictObject({
  custodian: z.string().trim().min(1).max(120),
  location: z.string().trim().min(1).max(200),
});
export type BreakGlassKeyLabel = z.infer<typeof BreakGlassKeyLabel>;

export const BreakGlassKeyView = z.object({
  factorId: z.string(),
  custodian: z.string(),
  location: z.string(),
  labelledAt: z.string(),
});
export type BreakGlassKeyView = z.infer<typeof BreakGlassKeyView>;

export const BreakGlassSupervisionView = z.object({
  username: z.string(),
  sessionId: z.string(),
  /** Distinct custodians who confirmed this session, in order. */
  custodians: z.array(z.string()),
  /** Two people supervise (custodians holding the admin role, or a kiosk operator holding it and one custodian): the session may complete once it has two labelled keys. */
  supervised: z.boolean(),
});
export type BreakGlassSupervisionView = z.infer<typeof BreakGlassSupervisionView>;

/** A key of a break-glass account: one added in the open session (pending) or already in use (active). */
export const BreakGlassCeremonyKey = z.object({
  factorId: z.string(),
  status: z.enum(['pending', 'active']),
  /** The model's name from the attestation metadata, when known. */
  model: z.string().nullable(),
  addedAt: z.iso.datetime(),
  custodian: z.string().nullable(),
  location: z.string().nullable(),
});
export type BreakGlassCeremonyKey = z.infer<typeof BreakGlassCeremonyKey>;

/** Where a break-glass account's supervised ceremony stands, as its custodians see it in the console. */
export const BreakGlassCeremonyView = z.object({
  username: z.string(),
  displayName: z.string(),
  /**
   * The open session that adds keys, if the enrolment code was used; null before (or after it ended).
   * With more than one open: the one custodians have confirmed most, else the newest. Its reference is
   * not here: custodians hear it from the key holder.
   */
  session: z
    .object({
      id: z.string(),
      openedAt: z.iso.datetime(),
      /** The earlier of its lifetime and its idle limit. */
      expiresAt: z.iso.datetime(),
      /** The computer it was opened on, as its app named it, and the kiosk station if it was one. */
      device: z.string().nullable(),
      station: z.string().nullable(),
    })
    .nullable(),
  /** Other sessions adding keys to this account that are open too: someone else may have opened one. */
  otherOpenSessions: z.number().int(),
  custodians: z.array(z.string()),
  /** At a kiosk: the operator holding the admin role whose confirmation opened the session, counted as one of the two. */
  kioskOperator: z.string().nullable(),
  supervised: z.boolean(),
  /** Keys in the order they were added. */
  keys: z.array(BreakGlassCeremonyKey),
  /** Keys the ceremony needs in all. */
  keysRequired: z.number().int(),
});
export type BreakGlassCeremonyView = z.infer<typeof BreakGlassCeremonyView>;

/** The HTTP operations of break-glass accounts (merged into api/http.ts). */
export const breakGlassOperations = {
  breakGlassCeremony: operation({
    method: 'GET',
    path: '/v1/admin/break-glass/{username}',
    summary:
      "Where a break-glass account's supervised ceremony stands: its open session, the custodians who confirmed, its keys and their labels",
    auth: 'admin',
    permission: 'users:write',
    params: BreakGlassParams,
    response: BreakGlassCeremonyView,
    status: 200,
  }),
  superviseBreakGlass: operation({
    method: 'POST',
    path: '/v1/admin/break-glass/{username}/supervision',
    summary:
      "A custodian (admin role, console session signed in with their own key within 5 minutes) confirms they supervise the break-glass account's open session named by the reference the key holder reads out; two distinct people are needed",
    auth: 'admin',
    permission: 'users:write',
    params: BreakGlassParams,
    body: BreakGlassSupervision,
    response: BreakGlassSupervisionView,
    status: 200,
  }),
  labelBreakGlassKey: operation({
    method: 'POST',
    path: '/v1/admin/break-glass/{username}/keys/{id}/label',
    summary: "Labels one of a break-glass account's keys with its custodian and location (each key needs one before the session completes)",
    auth: 'admin',
    permission: 'users:write',
    params: BreakGlassKeyParams,
    body: BreakGlassKeyLabel,
    response: BreakGlassKeyView,
    status: 200,
  }),
} as const satisfies Record<string, OperationSpec>;
