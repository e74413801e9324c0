import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../../../api/webauthn.js';
import { encodeCbor, type CborOut } from './cbor-out.js';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** authenticatorData's fixed head: rpIdHash (32), flags (1), signCount (4); then attested credential data. */
const AAGUID_AT = 37;
const CREDENTIAL_ID_LENGTH_AT = AAGUID_AT + 16;
const ATTESTED_CREDENTIAL_DATA = 0x40;

/** The credential id inside a new credential's authenticator data. */
export function credentialIdOf(authData: Uint8Array): Uint8Array {
  const flags = authData[32] ?? 0;
  if ((flags & ATTESTED_CREDENTIAL_DATA) === 0 || authData.length < CREDENTIAL_ID_LENGTH_AT + 2) {
    throw new Error('the key returned no attested credential data');
  }
  const length = ((authData[CREDENTIAL_ID_LENGTH_AT] ?? 0) << 8) | (authData[CREDENTIAL_ID_LENGTH_AT + 1] ?? 0);
  const start = CREDENTIAL_ID_LENGTH_AT + 2;
  if (length === 0 || authData.length < start + length) throw new Error('the credential id does not fit the authenticator data');
  return authData.slice(start, start + length);
}

/**
 * What the server receives as the attestation, by the conveyance its options asked for. For `none`
 * we do what Chromium does for a security key (measured in test/e2e/names.spec.ts: AAGUID all
 * zeros, format `none`): the AAGUID and the certificate identify the key's model and batch, and a
 * server that asked for none has said it will not judge them, so the two paths look alike to it.
 * Any other conveyance forwards the key's own statement unchanged, so policy can verify it.
 */
export function conveyedAttestation(
  conveyance: 'none' | 'indirect' | 'direct' | 'enterprise' | undefined,
  result: { attestationObject: Uint8Array; authData: Uint8Array },
): { attestationObject: Uint8Array; authData: Uint8Array } {
  if (conveyance !== undefined && conveyance !== 'none') return result;
  const authData = Buffer.from(result.authData);
  authData.fill(0, AAGUID_AT, AAGUID_AT + 16);
  const attestationObject = encodeCbor(
    new Map<string, CborOut>([
      ['fmt', 'none'],
      ['attStmt', new Map<string, CborOut>()],
      ['authData', authData],
    ]),
  );
  return { attestationObject, authData };
}

/** A RegistrationResponseJSON as a browser hands it over, from what a USB key made. */
export function registrationResponse(
  clientDataJSON: Uint8Array,
  conveyed: { attestationObject: Uint8Array; authData: Uint8Array },
): RegistrationResponseJSON {
  const id = b64url(credentialIdOf(conveyed.authData));
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64url(clientDataJSON),
      attestationObject: b64url(conveyed.attestationObject),
      authenticatorData: b64url(conveyed.authData),
      transports: ['usb'],
    },
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
  };
}

/** An AuthenticationResponseJSON from a USB key's assertion. */
export function authenticationResponse(
  clientDataJSON: Uint8Array,
  assertion: { credentialId: Uint8Array; authData: Uint8Array; signature: Uint8Array; userHandle: Uint8Array | null },
): AuthenticationResponseJSON {
  const id = b64url(assertion.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(assertion.authData),
      signature: b64url(assertion.signature),
      ...(assertion.userHandle ? { userHandle: b64url(assertion.userHandle) } : {}),
    },
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
  };
}
