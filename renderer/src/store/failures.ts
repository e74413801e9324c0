import type { TriesLeft } from '../../../api/errors';
import type { IpcFailure } from '../../../api/ipc';
import type { Notice } from './types';

const SESSION_OVER = new Set(['session_expired', 'session_invalid', 'session_completed', 'no_session']);

/** Failures after which the session cannot go on: the only way forward is a new code. */
export function endsSession(failure: IpcFailure): boolean {
  return SESSION_OVER.has(failure.error.code);
}

export const SHOWN_CODES: ReadonlySet<string> = new Set([
  'code_invalid',
  'code_expired',
  'code_used',
  'code_locked',
  'session_expired',
  'session_invalid',
  'session_completed',
  'account_not_eligible',
  'factor_not_allowed',
  'verification_failed',
  'credential_exists',
  'authenticator_not_allowed',
  'synced_passkey_not_allowed',
  'factor_limit_reached',
  'network',
  'device_revoked',
  'keychain_unavailable',
  'device_key_lost',
  'recovery_code_invalid',
  'recovery_locked',
  'request_pending',
  'request_closed',
  'device_mismatch',
  'factor_revoked',
  'factor_expired',
  'purpose_not_allowed',
  'reauth_required',
  'last_factor',
  'not_a_security_key',
  'station_not_registered',
  'station_revoked',
  'operator_confirmation_required',
  'not_an_operator',
  'kiosk_security_key_only',
  'operator_unlock_required',
  'kiosk_enrolment_only',
  'operator_pin_missing',
  'fresh_registration_required',
  'kiosk_session_refused',
  'device_posture_insufficient',
  'account_inactive',
  'already_enrolled',
  'break_glass_no_recovery',
  'break_glass_unsupervised',
  'break_glass_keys_required',
  'break_glass_key_unlabelled',
]);

/** "Too many tries": how long to wait, in minutes once it is a minute or more. */
function waitNotice(seconds: number | undefined): Notice {
  if (seconds === undefined) return { tone: 'error', key: 'errors.api.rate_limited' };
  if (seconds < 60) return { tone: 'error', key: 'errors.api.rate_limited_seconds', values: { count: seconds } };
  return { tone: 'error', key: 'errors.api.rate_limited_minutes', values: { count: Math.ceil(seconds / 60) } };
}

/**
 * A wrong code with the tries its owner has left: the lock once it is near, else the wait;
 * when this try used the last one, that it was wrong and what to do now.
 */
function triesNotice(code: 'code_invalid' | 'recovery_code_invalid', tries: TriesLeft): Notice {
  const { beforeWait, beforeLock } = tries;
  if (beforeLock === 0) return { tone: 'error', key: `errors.tries.${code}.locked` };
  // The server says how far the lock is only once it is near: then that matters more than any wait.
  if (beforeLock !== undefined) return { tone: 'error', key: `errors.tries.${code}.beforeLock`, values: { count: beforeLock } };
  if (beforeWait > 0) return { tone: 'error', key: `errors.tries.${code}.beforeWait`, values: { count: beforeWait } };
  return { tone: 'error', key: `errors.tries.${code}.waitNext` };
}

/**
 * Notices that blame what was typed in the code field (wrong, used, expired, locked, too many
 * tries, empty): only these mark the field invalid. A refused account, a revoked computer, a missing
 * keychain or a session that ran out are not the code's fault, and retyping it would not help.
 */
const ABOUT_THE_CODE: ReadonlySet<string> = new Set([
  'errors.api.code_invalid',
  'errors.api.code_expired',
  'errors.api.code_used',
  'errors.api.code_locked',
  'errors.api.rate_limited',
  'errors.api.rate_limited_seconds',
  'errors.api.rate_limited_minutes',
  'errors.validation.codeRequired',
]);

export function blamesTheCode(notice: Notice | null): boolean {
  // Every "tries left" notice is about a wrong code.
  return notice !== null && notice.tone === 'error' && (ABOUT_THE_CODE.has(notice.key) || notice.key.startsWith('errors.tries.'));
}

/** The guidance for a failure; codes without their own text share a generic one. */
export function noticeFor(failure: IpcFailure): Notice {
  if (failure.error.code === 'rate_limited') return waitNotice(failure.error.retryAfterSeconds);
  // What the computer lacks travels with the notice: the code screen lists it with how to fix it.
  const { posture } = failure.error;
  if (failure.error.code === 'device_posture_insufficient' && posture) {
    return { tone: 'error', key: 'errors.api.device_posture_insufficient', posture };
  }
  const { tries } = failure.error;
  const refused = failure.error.code;
  if (tries && (refused === 'code_invalid' || refused === 'recovery_code_invalid')) return triesNotice(refused, tries);
  const code = failure.error.code === 'no_session' ? 'session_invalid' : failure.error.code;
  return { tone: 'error', key: SHOWN_CODES.has(code) ? `errors.api.${code}` : 'errors.api.generic' };
}
