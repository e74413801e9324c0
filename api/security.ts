import { z } from 'zod';
import { Username } from './admin.js';
import { CredentialView, DeviceSignals, FactorKind, FactorName } from './enrolment.js';
import { AuthenticationResponseJSON, RequestOptionsJSON } from './webauthn.js';

/**
 * Sessions opened with a factor the user still has (DESIGN.md flows 2 and 4), and the
 * "My security" calls of a `manage` session.
 */

/** `replace`: add a factor on this device, or move one here (rebind). `manage`: list, rename, remove. */
export const AuthenticationPurpose = z.enum(['replace', 'manage']);
export type AuthenticationPurpose = z.infer<typeof AuthenticationPurpose>;

export const AuthenticationOptionsRequest = z.object({
  username: Username,
  purpose: AuthenticationPurpose,
});
export type AuthenticationOptionsRequest = z.infer<typeof AuthenticationOptionsRequest>;

export const AuthenticationOptionsResponse = z.object({
  /** Names this ceremony in the next call; bound to the device key that asked. */
  ceremonyId: z.string(),
  options: RequestOptionsJSON,
});
export type AuthenticationOptionsResponse = z.infer<typeof AuthenticationOptionsResponse>;

/** What the renderer sends after the ceremony. */
export const AuthenticateInput = z.object({
  ceremonyId: z.string().min(1).max(64),
  response: AuthenticationResponseJSON,
});
export type AuthenticateInput = z.infer<typeof AuthenticateInput>;

/** On the wire main adds the device's signals, as for `POST /v1/sessions`. */
export const AuthenticateRequest = AuthenticateInput.extend({ device: DeviceSignals });
export type AuthenticateRequest = z.infer<typeof AuthenticateRequest>;

/** A factor as "My security" lists it. */
export const FactorView = CredentialView.extend({
  /** The user's own name for it; null until renamed. */
  name: z.string().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
  /** The device it was registered on (or moved to by a rebind). */
  deviceId: z.string().nullable(),
});
export type FactorView = z.infer<typeof FactorView>;

export const DeviceView = z.object({
  id: z.string(),
  /** The user's name for it if renamed, else what the app reported. */
  name: z.string(),
  reportedName: z.string(),
  platform: z.string(),
  osVersion: z.string(),
  appVersion: z.string(),
  kind: z.enum(['personal', 'kiosk']),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  boundAt: z.iso.datetime(),
  /** The device this session runs on. */
  current: z.boolean(),
});
export type DeviceView = z.infer<typeof DeviceView>;

/**
 * After a role or employment change (a mover): factors that fall short of the new tier keep working until
 * `deadline`, then are suspended. `actionRequired` until the person has a factor that meets the tier.
 */
export const MoverCompliance = z.object({
  deadline: z.iso.datetime(),
  /** The kinds of factor the new tier takes: what to add. */
  acceptedFactors: z.array(FactorKind).min(1),
  actionRequired: z.boolean(),
  /** Factors that stop working at the deadline. */
  nonCompliantFactorIds: z.array(z.string()),
});
export type MoverCompliance = z.infer<typeof MoverCompliance>;

export const SecurityOverview = z.object({
  /** Active and suspended factors; revoked ones are history, not shown. */
  factors: z.array(FactorView),
  /** Devices bound to the user whose keys are not revoked. */
  devices: z.array(DeviceView),
  recoveryCodes: z.object({ remaining: z.number().int().min(0), createdAt: z.iso.datetime().nullable() }),
  /** The factor whose assertion opened this session. */
  authenticatedWith: z.string().nullable(),
  /** Until when removals and regeneration are allowed without authenticating again (manage sessions). */
  freshUntil: z.iso.datetime().nullable(),
  /** Null when no factor falls short of the person's tier (server/movers/); absent from servers before movers. */
  compliance: MoverCompliance.nullable().optional(),
});
export type SecurityOverview = z.infer<typeof SecurityOverview>;

export const RenameRequest = z.object({ name: z.string().trim().min(1).max(100) });
export type RenameRequest = z.infer<typeof RenameRequest>;
/** A key's name follows the rule of the name given during setup: one rule, wherever it is typed. */
export const RenameFactorBody = z.object({ name: FactorName });
export type RenameFactorBody = z.infer<typeof RenameFactorBody>;

export const RecoveryCodesResponse = z.object({
  /** Shown once: only salted hashes are stored. The previous set stops working. */
  recoveryCodes: z.array(z.string()),
  createdAt: z.iso.datetime(),
});
export type RecoveryCodesResponse = z.infer<typeof RecoveryCodesResponse>;
