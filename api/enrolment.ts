import { z } from 'zod';
import { CreationOptionsJSON, RegistrationResponseJSON } from './webauthn.js';

/** What a person can bind: a passkey on this device, or a roaming security key. */
export const FactorKind = z.enum(['passkey', 'security-key']);
export type FactorKind = z.infer<typeof FactorKind>;

/**
 * What a session may do. `enrol`: first factors, opened by an enrolment code. `replace`: add a factor
 * or move one to this device, opened by an assertion of an existing factor. `manage`: list, rename and
 * remove factors and devices, regenerate recovery codes, opened by an assertion. `recover`: a new
 * factor for someone with none left, opened by a recovery code or a help-desk code; on completion
 * every other factor and device of the user is retired.
 */
export const SessionPurpose = z.enum(['enrol', 'replace', 'manage', 'recover']);
export type SessionPurpose = z.infer<typeof SessionPurpose>;

/**
 * What the app tells the server about the machine it runs on, at session start.
 * Nothing beyond what an IT team needs to recognise and judge the device.
 */
export const DeviceSignals = z.object({
  name: z.string().trim().min(1).max(100),
  platform: z.enum(['darwin', 'win32', 'linux', 'other']),
  osVersion: z.string().max(64),
  appVersion: z.string().max(32),
  /** What the app believes it is; only shown to IT. Whether a session is a kiosk session is the server's call (a registered station key). */
  kind: z.enum(['personal', 'kiosk']),
});
export type DeviceSignals = z.infer<typeof DeviceSignals>;

/** Codes are typed by people: allow spaces and dashes, the server normalises. */
export const CreateSessionRequest = z.object({
  code: z.string().trim().min(1, 'enter your enrolment code').max(64),
});

/** On the wire main adds the device's signals; the renderer never sees or sets them. */
export const OpenSessionRequest = CreateSessionRequest.extend({
  device: DeviceSignals,
  /**
   * At a kiosk station: the confirmation (ConfirmationView.id) the operator just gave for this
   * person. The server requires it from a station and accepts only that one: unused, given at this
   * station, for the code's owner, unexpired, and not replaced by a later confirmation there.
   */
  confirmationId: z.string().min(1).max(64).optional(),
});
export type OpenSessionRequest = z.infer<typeof OpenSessionRequest>;
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

/** Why the organisation asks what it asks; the app turns each into a sentence. */
export const PolicyRequirement = z.enum([
  'security_key_only',
  'user_verification',
  'trusted_authenticator',
  'device_bound',
  'time_limited',
]);
export type PolicyRequirement = z.infer<typeof PolicyRequirement>;

export const SessionView = z.object({
  id: z.string(),
  purpose: SessionPurpose,
  user: z.object({ username: z.string(), displayName: z.string() }),
  /** The server's policy: the app offers nothing else. */
  allowedFactors: z.array(FactorKind).min(1),
  requirements: z.array(PolicyRequirement),
  expiresAt: z.iso.datetime(),
  /** Server time at response, so the app can show time left without trusting its own clock. */
  serverTime: z.iso.datetime(),
});
export type SessionView = z.infer<typeof SessionView>;

export const CreateSessionResponse = z.object({
  token: z.string().min(32),
  session: SessionView,
  /**
   * The server opened this session from a registered kiosk station (the app's own claim decides
   * nothing): security keys only, and the app wipes everything of the person when it ends.
   */
  kiosk: z.boolean().default(false),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

export const RegistrationOptionsRequest = z.object({ factor: FactorKind });
export type RegistrationOptionsRequest = z.infer<typeof RegistrationOptionsRequest>;

export const RegistrationOptionsResponse = z.object({ options: CreationOptionsJSON });
export type RegistrationOptionsResponse = z.infer<typeof RegistrationOptionsResponse>;

export const RegistrationRequest = z.object({
  factor: FactorKind,
  response: RegistrationResponseJSON,
});
export type RegistrationRequest = z.infer<typeof RegistrationRequest>;

export const CredentialView = z.object({
  id: z.string(),
  factor: FactorKind,
  /** 'pending' until the session that registered it completes; 'suspended' (after a recovery, by policy) is not usable until reviewed. */
  status: z.enum(['pending', 'active', 'suspended', 'revoked']),
  /** From attestation metadata; null for an unknown authenticator (attestation none, all-zero AAGUID). */
  authenticatorName: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});
export type CredentialView = z.infer<typeof CredentialView>;

export const RegistrationResponse = z.object({ credential: CredentialView });
export type RegistrationResponse = z.infer<typeof RegistrationResponse>;

/**
 * Optional body of `POST /v1/sessions/current/complete`. Only a `replace` session may retire or
 * rebind; for the other purposes the body is empty (or absent).
 */
export const CompleteRequest = z
  .object({
    /** Active factors of the user to revoke as the session completes (never the last one). */
    retireFactors: z.array(z.string().min(1).max(1024)).max(50).default([]),
    /** Devices bound to the user to revoke (their device keys are refused from then on); never this device. */
    retireDevices: z.array(z.string().min(1).max(64)).max(50).default([]),
    /** Move the factor that opened this session to this device and revoke the old device's key. */
    rebind: z.boolean().default(false),
  })
  .strict();
export type CompleteRequest = z.infer<typeof CompleteRequest>;
export type CompleteRequestInput = z.input<typeof CompleteRequest>;

export const CompleteResponse = z.object({
  user: z.object({ username: z.string(), displayName: z.string() }),
  /** The user's active factors after completion. */
  credentials: z.array(CredentialView),
  /**
   * Shown once, never retrievable again: a new set of recovery codes, at the user's first completed
   * enrolment and at the end of every recovery. Absent otherwise.
   */
  recoveryCodes: z.array(z.string()).optional(),
  /** What this completion retired: revoked (or, after a recovery under a `suspend` tier, suspended) factors and revoked devices. */
  retired: z.object({ factors: z.array(z.string()), devices: z.array(z.string()) }).optional(),
});
export type CompleteResponse = z.infer<typeof CompleteResponse>;
