import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
} from '@simplewebauthn/browser';
import type { AuthenticationResponseJSON, CreationOptionsJSON, RegistrationResponseJSON, RequestOptionsJSON } from '../../../api/webauthn';

/** What went wrong in the browser's part of a ceremony, in terms a person can act on. */
export type CeremonyFailure =
  | 'cancelled'
  | 'already_registered'
  | 'not_supported'
  | 'wrong_origin'
  | 'no_user_verification'
  | 'unknown'
  /** Only from main's own security-key ceremony (store/native-key-slice.ts), which sees the key's PIN state. */
  | 'pin_blocked'
  | 'pin_auth_blocked'
  | 'key_removed'
  | 'key_not_accessible'
  | 'pin_change_required'
  | 'not_registered'
  | 'timeout';

export class CeremonyError extends Error {
  override name = 'CeremonyError';
  constructor(
    readonly failure: CeremonyFailure,
    options?: { cause?: unknown },
  ) {
    super(failure, options);
  }
}

const BY_CODE: Partial<Record<WebAuthnError['code'], CeremonyFailure>> = {
  ERROR_CEREMONY_ABORTED: 'cancelled',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'already_registered',
  ERROR_INVALID_DOMAIN: 'wrong_origin',
  ERROR_INVALID_RP_ID: 'wrong_origin',
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT: 'no_user_verification',
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT: 'not_supported',
  ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG: 'not_supported',
};

/** Maps @simplewebauthn/browser's errors (and the DOMExceptions it passes through) to a CeremonyFailure. */
export function classifyCeremonyError(error: unknown): CeremonyFailure {
  if (error instanceof WebAuthnError) {
    const known = BY_CODE[error.code];
    if (known) return known;
  }
  const name = error instanceof Error ? error.name : '';
  // The spec folds "user cancelled", "timed out" and "no authenticator answered" into NotAllowedError on purpose.
  if (name === 'NotAllowedError' || name === 'AbortError') return 'cancelled';
  if (name === 'NotSupportedError') return 'not_supported';
  if (name === 'SecurityError') return 'wrong_origin';
  if (name === 'InvalidStateError') return 'already_registered';
  return 'unknown';
}

/** Runs one browser ceremony, turning whatever it throws into a CeremonyError. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  if (!browserSupportsWebAuthn()) throw new CeremonyError('not_supported');
  try {
    return await run();
  } catch (error) {
    throw new CeremonyError(classifyCeremonyError(error), { cause: error });
  }
}

// The spreads give the library's interfaces the plain object shapes our contract names.

/**
 * `T` with optional members that are absent rather than present-and-undefined. The contract's
 * zod types say `key?: X | undefined`; the library's WebAuthn JSON types say `key?: X`.
 */
type Absent<T> = T extends readonly (infer E)[] ? Absent<E>[] : T extends object ? { [K in keyof T]: Absent<Exclude<T[K], undefined>> } : T;

/**
 * The options are WebAuthn JSON dictionaries (they reached us as JSON and over IPC), so a JSON
 * round trip changes nothing but dropping members that hold `undefined`, which is what Absent<T> says.
 */
function absentNotUndefined<T>(json: T): Absent<T> {
  return JSON.parse(JSON.stringify(json)) as Absent<T>;
}

/** navigator.credentials.create for the server's options. */
export function register(options: CreationOptionsJSON): Promise<RegistrationResponseJSON> {
  return guarded(async () => {
    const r = await startRegistration({ optionsJSON: absentNotUndefined(options) });
    return { ...r, type: 'public-key', response: { ...r.response }, clientExtensionResults: { ...r.clientExtensionResults } };
  });
}

/** navigator.credentials.get for the server's options. */
export function authenticate(options: RequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  return guarded(async () => {
    const r = await startAuthentication({ optionsJSON: absentNotUndefined(options) });
    return { ...r, type: 'public-key', response: { ...r.response }, clientExtensionResults: { ...r.clientExtensionResults } };
  });
}

export function cancelCeremony(): void {
  WebAuthnAbortService.cancelCeremony();
}
