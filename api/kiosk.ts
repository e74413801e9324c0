import { z } from 'zod';
import { Username } from './admin.js';
import { AuthenticationResponseJSON, RequestOptionsJSON } from './webauthn.js';

/**
 * Kiosk onboarding stations (issue 12). A station is a shared machine whose device key an admin
 * registered with a one-time station code; from then on the server, not the app, treats every
 * session that key opens as a kiosk session: an operator confirms each new hire in person first,
 * and only security keys may be bound.
 */

export const StationName = z.string().trim().min(1).max(100);

export const IssueStationCodeRequest = z.object({
  /** How the operator and the audit trail know the station ("Lobby 1"). */
  name: StationName,
  /** Lifetime in seconds; the server caps it at its configured maximum. */
  ttlSeconds: z.number().int().positive().optional(),
});
export type IssueStationCodeRequest = z.input<typeof IssueStationCodeRequest>;

export const IssueStationCodeResponse = z.object({
  /** Shown once: only its hash is stored. Typed into the station by whoever sets it up. */
  code: z.string(),
  stationName: z.string(),
  expiresAt: z.iso.datetime(),
});
export type IssueStationCodeResponse = z.infer<typeof IssueStationCodeResponse>;

/** `pending`: the code was issued and not yet redeemed. `lapsed`: registered, but past `renewBy`. */
export const StationState = z.enum(['pending', 'registered', 'lapsed', 'revoked']);
export type StationState = z.infer<typeof StationState>;

/** A station as the admin API lists it. */
export const StationView = z.object({
  id: z.string(),
  name: z.string(),
  state: StationState,
  createdAt: z.iso.datetime(),
  /** Until when the station code can be redeemed (pending stations). */
  codeExpiresAt: z.iso.datetime(),
  registeredAt: z.iso.datetime().nullable(),
  /** After this the station must be registered again with a new station code. */
  renewBy: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
  /** Confirmed new hires so far (throughput, for the IAM team). */
  confirmations: z.number().int().min(0),
});
export type StationView = z.infer<typeof StationView>;

export const StationList = z.object({ stations: z.array(StationView) });
export type StationList = z.infer<typeof StationList>;

export const StationIdParams = z.object({ stationId: z.string().min(1).max(64) });

/** Codes are typed by people: allow spaces and dashes, the server normalises. */
export const RegisterStationRequest = z.object({
  code: z.string().trim().min(1, 'enter the station code').max(64),
});
export type RegisterStationRequest = z.infer<typeof RegisterStationRequest>;

/** What the station itself learns about its registration, for the operator's health screen. */
export const StationStatus = z.object({
  id: z.string(),
  name: z.string(),
  registeredAt: z.iso.datetime(),
  renewBy: z.iso.datetime(),
  /** Changes whenever the server's policy does, so the operator can tell which one is in force. */
  policyVersion: z.string(),
});
export type StationStatus = z.infer<typeof StationStatus>;

export const OperatorOptionsRequest = z.object({ operator: Username });
export type OperatorOptionsRequest = z.infer<typeof OperatorOptionsRequest>;

export const OperatorOptionsResponse = z.object({
  /** Names this ceremony in confirmNewHire; bound to the station's key. */
  ceremonyId: z.string(),
  options: RequestOptionsJSON,
});
export type OperatorOptionsResponse = z.infer<typeof OperatorOptionsResponse>;

/** What the operator checked in person before confirming. */
export const OperatorCheck = z.enum(['photo_id', 'name_matches', 'start_date_confirmed']);
export type OperatorCheck = z.infer<typeof OperatorCheck>;

/** Without a photo ID matching the name on the code, the person in front of the station is anyone; the start date is extra. */
export const REQUIRED_OPERATOR_CHECKS: readonly OperatorCheck[] = ['photo_id', 'name_matches'];

export const ConfirmNewHireRequest = z.object({
  ceremonyId: z.string().min(1).max(64),
  /** The operator's assertion, with user verification, by one of their own security keys. */
  response: AuthenticationResponseJSON,
  newHire: Username,
  checks: z
    .array(OperatorCheck)
    .max(OperatorCheck.options.length)
    .refine((checks) => new Set(checks).size === checks.length, 'each check once')
    .refine((checks) => REQUIRED_OPERATOR_CHECKS.every((c) => checks.includes(c)), 'check the photo ID and that the name matches'),
});
export type ConfirmNewHireRequest = z.infer<typeof ConfirmNewHireRequest>;

const Person = z.object({ username: z.string(), displayName: z.string() });

/** A recorded confirmation: the new hire's code opens a session on this station only until `expiresAt`, once. */
export const ConfirmationView = z.object({
  id: z.string(),
  newHire: Person,
  operator: Person,
  checks: z.array(OperatorCheck),
  expiresAt: z.iso.datetime(),
});
export type ConfirmationView = z.infer<typeof ConfirmationView>;
