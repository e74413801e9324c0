import { z } from 'zod';
import { CreationOptionsJSON, RegistrationResponseJSON } from './webauthn.js';

/** What a person can bind: a passkey on this device, or a roaming security key. */
export const FactorKind = z.enum(['passkey', 'security-key']);
export type FactorKind = z.infer<typeof FactorKind>;

export const SessionPurpose = z.enum(['enrol']);
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
  kind: z.enum(['personal', 'kiosk']),
});
export type DeviceSignals = z.infer<typeof DeviceSignals>;

/** Codes are typed by people: allow spaces and dashes, the server normalises. */
export const CreateSessionRequest = z.object({
  code: z.string().trim().min(1, 'enter your enrolment code').max(64),
});

/** On the wire main adds the device's signals; the renderer never sees or sets them. */
export const OpenSessionRequest = CreateSessionRequest.extend({ device: DeviceSignals });
export type OpenSessionRequest = z.infer<typeof OpenSessionRequest>;
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

/** Why the organisation asks what it asks; the app turns each into a sentence. */
export const PolicyRequirement = z.enum(['security_key_only', 'user_verification', 'trusted_authenticator', 'device_bound', 'time_limited']);
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
  /** 'pending' until the session that registered it completes. */
  status: z.enum(['pending', 'active', 'revoked']),
  /** From attestation metadata; null for an unknown authenticator (attestation none, all-zero AAGUID). */
  authenticatorName: z.string().nullable(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});
export type CredentialView = z.infer<typeof CredentialView>;

export const RegistrationResponse = z.object({ credential: CredentialView });
export type RegistrationResponse = z.infer<typeof RegistrationResponse>;

export const CompleteResponse = z.object({
  user: z.object({ username: z.string(), displayName: z.string() }),
  credentials: z.array(CredentialView),
});
export type CompleteResponse = z.infer<typeof CompleteResponse>;
