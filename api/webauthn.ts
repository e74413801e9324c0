import { z } from 'zod';

/**
 * WebAuthn JSON shapes (WebAuthn Level 3, "JSON-serializable" dictionaries) as they
 * cross our boundaries. Unknown members are kept (loose objects) because browsers
 * add extension outputs over time; every member we rely on is checked.
 */
const b64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

export const AuthenticatorTransport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export const CredentialDescriptorJSON = z.object({
  id: b64url,
  type: z.literal('public-key'),
  transports: z.array(AuthenticatorTransport).optional(),
});

export const CreationOptionsJSON = z.looseObject({
  rp: z.object({ id: z.string().optional(), name: z.string() }),
  user: z.object({ id: b64url, name: z.string(), displayName: z.string() }),
  challenge: b64url,
  pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
  timeout: z.number().int().positive().optional(),
  excludeCredentials: z.array(CredentialDescriptorJSON).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: z.enum(['discouraged', 'preferred', 'required']).optional(),
    })
    .optional(),
  hints: z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional(),
  attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
export type CreationOptionsJSON = z.infer<typeof CreationOptionsJSON>;

export const RegistrationResponseJSON = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: b64url.min(1),
    attestationObject: b64url.min(1),
    authenticatorData: b64url.optional(),
    transports: z.array(z.string()).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type RegistrationResponseJSON = z.infer<typeof RegistrationResponseJSON>;

/** PublicKeyCredentialRequestOptionsJSON: what the app passes to navigator.credentials.get(). */
export const RequestOptionsJSON = z.looseObject({
  challenge: b64url,
  timeout: z.number().int().positive().optional(),
  rpId: z.string().optional(),
  allowCredentials: z.array(CredentialDescriptorJSON).optional(),
  userVerification: z.enum(['discouraged', 'preferred', 'required']).optional(),
  hints: z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional(),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
export type RequestOptionsJSON = z.infer<typeof RequestOptionsJSON>;

/** AuthenticationResponseJSON: an assertion as @simplewebauthn/browser returns it. */
export const AuthenticationResponseJSON = z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  response: z.looseObject({
    clientDataJSON: b64url.min(1),
    authenticatorData: b64url.min(1),
    signature: b64url.min(1),
    /** Absent (or null) for a non-discoverable credential. */
    userHandle: b64url.nullish(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});
export type AuthenticationResponseJSON = z.infer<typeof AuthenticationResponseJSON>;
