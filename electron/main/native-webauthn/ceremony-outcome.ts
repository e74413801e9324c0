import type { NativeKeyFailure } from '../../../api/native-key.js';
import { HidGoneError } from '../ctap2/transport.js';
import { ctapCode } from './key-driver.js';

/** Why the ceremony stopped; `pin_blocked` and `pin_auth_blocked` are states of their own on screen. */
export type NativeCeremonyOutcome = NativeKeyFailure | 'pin_blocked' | 'pin_auth_blocked';

export class NativeCeremonyError extends Error {
  override name = 'NativeCeremonyError';
  constructor(readonly outcome: NativeCeremonyOutcome) {
    super(`the security key ceremony ended: ${outcome}`);
  }
}

const FAILURES: Readonly<Record<string, NativeCeremonyOutcome>> = {
  CTAP2_ERR_CREDENTIAL_EXCLUDED: 'already_registered',
  CTAP2_ERR_PIN_BLOCKED: 'pin_blocked',
  CTAP2_ERR_PIN_AUTH_BLOCKED: 'pin_auth_blocked',
  CTAP2_ERR_USER_ACTION_TIMEOUT: 'timeout',
  CTAP2_ERR_ACTION_TIMEOUT: 'timeout',
  // The client's own: the key went silent.
  CTAP1_ERR_TIMEOUT: 'timeout',
  CTAP2_ERR_KEEPALIVE_CANCEL: 'cancelled',
  CTAP2_ERR_OPERATION_DENIED: 'cancelled',
  CTAP2_ERR_UNSUPPORTED_ALGORITHM: 'not_supported',
  CTAP2_ERR_UNSUPPORTED_OPTION: 'not_supported',
  CTAP2_ERR_NO_CREDENTIALS: 'not_registered',
};

/** What the page can explain, from whatever ended the ceremony. */
export function outcomeOf(error: unknown, signal: AbortSignal): NativeCeremonyOutcome {
  // An abort wins: the key's CTAP2_ERR_KEEPALIVE_CANCEL is only the echo of our own cancel or timeout.
  if (signal.aborted && signal.reason instanceof NativeCeremonyError) return signal.reason.outcome;
  if (error instanceof NativeCeremonyError) return error.outcome;
  if (error instanceof HidGoneError) return 'key_removed';
  const code = ctapCode(error);
  return (code === null ? undefined : FAILURES[code]) ?? 'key_error';
}
