import type { ApiErrorCode, TriesLeft } from '../api/errors.js';
import { CodedError } from '../api/coded-error.js';
import type { PostureRefusal } from '../api/posture.js';

const STATUS: Record<ApiErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  code_invalid: 400,
  code_expired: 410,
  code_used: 410,
  code_locked: 423,
  session_invalid: 401,
  session_expired: 401,
  session_completed: 409,
  account_not_eligible: 403,
  factor_not_allowed: 403,
  challenge_missing: 409,
  verification_failed: 400,
  credential_exists: 409,
  authenticator_not_allowed: 403,
  synced_passkey_not_allowed: 403,
  factor_limit_reached: 409,
  nothing_registered: 409,
  not_found: 404,
  dpop_invalid: 401,
  device_revoked: 403,
  purpose_not_allowed: 403,
  recovery_locked: 423,
  recovery_code_invalid: 400,
  device_mismatch: 403,
  request_pending: 409,
  request_closed: 410,
  approval_refused: 409,
  factor_revoked: 403,
  factor_expired: 403,
  last_factor: 409,
  reauth_required: 403,
  rate_limited: 429,
  unavailable: 503,
  station_not_registered: 404,
  station_revoked: 403,
  operator_confirmation_required: 403,
  not_an_operator: 403,
  kiosk_security_key_only: 403,
  not_a_security_key: 403,
  account_inactive: 403,
  device_posture_insufficient: 403,
  break_glass_unsupervised: 403,
  break_glass_keys_required: 409,
  break_glass_key_unlabelled: 409,
  break_glass_reference_mismatch: 409,
  break_glass_no_recovery: 403,
  already_enrolled: 409,
  not_service_owner: 403,
  emergency_not_approved: 409,
  internal: 500,
};

/** A refusal the API reports to its caller as `{ error: { code, message } }`. */
export class ApiFailure extends CodedError<ApiErrorCode> {
  /** Only with a wrong code: what its owner needs to pace the next try (in the answer's body). */
  tries?: TriesLeft;
  /** Only with device_posture_insufficient: what the device lacks (server/posture/). */
  posture?: PostureRefusal;

  get status(): number {
    return STATUS[this.code];
  }
}

/**
 * `rate_limited`: the caller may try again after `retryAfterSeconds`, which the answer carries in
 * `Retry-After` and in the body (RFC 9110 section 10.2.3; RFC 6585 section 4).
 */
export class RateLimited extends ApiFailure {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** A wrong code's refusal (`code_invalid`, `recovery_code_invalid`), with the tries its owner has left (server/limits/tries-left.ts). */
export function wrongCode(code: 'code_invalid' | 'recovery_code_invalid', message: string, tries: TriesLeft): ApiFailure {
  const refusal = new ApiFailure(code, message);
  refusal.tries = tries;
  return refusal;
}
