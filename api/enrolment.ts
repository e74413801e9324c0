import { z } from 'zod';
import { DevicePosture } from './posture.js';
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
  /** Disk encryption, screen lock, OS patch level, MDM (api/posture.ts): self-reported. Absent from apps older than posture. */
  posture: DevicePosture.optional(),
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
  /** The earlier of `lifetimeEndsAt` and `idleEndsAt`: when the session ends if nothing more happens. */
  expiresAt: z.iso.datetime(),
  /** The session's absolute end: no activity moves it. */
  lifetimeEndsAt: z.iso.datetime(),
  /** The idle limit as this answer left it: every session call pushes it back. */
  idleEndsAt: z.iso.datetime(),
  /** Server time at response, so the app can show time left without trusting its own clock. */
  serverTime: z.iso.datetime(),
  /**
   * Only when an enrolment code just opened the session: until when that code can open a new one from
   * this device key if this one times out or the app ends it, nothing completed (the code's own expiry).
   */
  codeReopensUntil: z.iso.datetime().optional(),
  /**
   * Only in a break-glass account's session: the reference its custodians see in the console, so they
   * confirm that they watch this session and no other.
   */
  supervision: z.object({ reference: z.string() }).optional(),
});
export type SessionView = z.infer<typeof SessionView>;

/**
 * A session's two ends as one answer left them, on the server's clock. Sent with every answer to a
 * session call in the `SESSION_DEADLINES_HEADER` header (a JSON object), refusals included: a call that
 * found the session live pushed its idle end back whatever it answered.
 */
export const SessionDeadlines = SessionView.pick({ lifetimeEndsAt: true, idleEndsAt: true, serverTime: true });
export type SessionDeadlines = z.infer<typeof SessionDeadlines>;

/** A header rather than a field in each body: 204 answers and refusals carry it too, and main reads it in one place. */
export const SESSION_DEADLINES_HEADER = 'firstkey-session-deadlines';

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

/**
 * A person's own name for a factor ("Work laptop", "Blue key"): short enough for a card,
 * trimmed; no control or bidirectional-override characters, which could make one card
 * read like another or break a line in a list.
 */
export const FactorName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*$/u, 'use letters, digits, spaces and punctuation');
export type FactorName = z.infer<typeof FactorName>;

export const RegistrationRequest = z.object({
  factor: FactorKind,
  response: RegistrationResponseJSON,
  /** Named during setup; absent when the person kept the default (then the card shows the model's name or the kind). */
  name: FactorName.optional(),
});
export type RegistrationRequest = z.infer<typeof RegistrationRequest>;

export const CredentialView = z.object({
  id: z.string(),
  factor: FactorKind,
  /** 'pending' until the session that registered it completes; 'suspended' (after a recovery, by policy) is not usable until reviewed. */
  status: z.enum(['pending', 'active', 'suspended', 'revoked']),
  /**
   * The model's name from its AAGUID: the operator's metadata BLOB where it lists the model, else
   * the bundled AAGUID list; null when neither knows it or the AAGUID is all zeros (attestation none):
   * the app then names the factor by its kind.
   */
  authenticatorName: z.string().nullable(),
  /** The person's own name for it (given during setup or by renaming); null when they gave none. */
  name: z.string().nullable(),
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
