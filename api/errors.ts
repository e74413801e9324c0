import { z } from 'zod';
import { PostureRefusal } from './posture.js';

/**
 * Every refusal the verification API can give. The app maps each code to plain
 * guidance; the message is for logs and operators, never shown as-is.
 */
export const ApiErrorCode = z.enum([
  'invalid_request',
  'unauthorized',
  /** An operator signed in who does not hold the permission the call needs (api/permissions.ts). */
  'forbidden',
  'code_invalid',
  'code_expired',
  'code_used',
  'code_locked',
  'session_invalid',
  'session_expired',
  'session_completed',
  'account_not_eligible',
  'factor_not_allowed',
  'challenge_missing',
  'verification_failed',
  'credential_exists',
  /** The person's tier does not accept this key's model: not on its list, denied, attestation not trusted, or reported compromised. */
  'authenticator_not_allowed',
  /** The person's tier accepts only keys bound to one device, and this passkey can sync to others (backup eligible). */
  'synced_passkey_not_allowed',
  'factor_limit_reached',
  'nothing_registered',
  'not_found',
  'dpop_invalid',
  'device_revoked',
  /** The call is not one this session's purpose allows (e.g. removing a factor in an enrolment session). */
  'purpose_not_allowed',
  /** Recovery codes are locked for this username after too many wrong tries, until a help-desk reset or the lock ends. */
  'recovery_locked',
  /** A recovery or help-desk code that is wrong, used, replaced, or for no such user: one answer for all. */
  'recovery_code_invalid',
  /** A help-desk code redeemed from another device than the one that filed the request. */
  'device_mismatch',
  /** The help-desk request has not been approved yet. */
  'request_pending',
  /** The help-desk request was denied, expired, or already redeemed. */
  'request_closed',
  /** An agent's approval was refused: another user's request, the same agent twice, or the agent's own account. */
  'approval_refused',
  /** The factor was revoked or is suspended. */
  'factor_revoked',
  /** The factor reached the end of its lifetime (policy factorLifetimeDays). */
  'factor_expired',
  /** Removing it would leave the user without an active factor. */
  'last_factor',
  /** The session's authentication is too old for this: authenticate again. */
  'reauth_required',
  /**
   * Too many requests or failures from this client, or wrong codes for this account, for now:
   * try again after `retryAfterSeconds` (also the `Retry-After` header). Status 429.
   */
  'rate_limited',
  /** The instance cannot serve now (database gone or unwritable, a conflict that kept recurring): try again or another instance. */
  'unavailable',
  /** The device key is not a registered kiosk station (never registered, or its registration lapsed: register again). */
  'station_not_registered',
  /** The station was revoked by an admin: it stops. */
  'station_revoked',
  /** On a kiosk station, a new hire's code opens a session only after an operator confirmed that person on that station. */
  'operator_confirmation_required',
  /** The username is not an operator with an active security key, or the assertion was not theirs. */
  'not_an_operator',
  /** A kiosk session binds security keys only: a platform, hybrid or synced credential is refused. */
  'kiosk_security_key_only',
  /** Registered as a security key, but the response says platform attachment, an internal or hybrid transport, or the backup flags. */
  'not_a_security_key',
  /** The person has left (deactivated by their organisation) or is a contractor past their end date. */
  'account_inactive',
  /** The device does not meet its tier's devicePosture (details in `posture`). Nothing was spent: fix it and try the same code again. */
  'device_posture_insufficient',
  /** A break-glass enrolment needs two custodians' confirmations or a kiosk operator's (server/break-glass/). */
  'break_glass_unsupervised',
  /** A break-glass account completes only with at least two security keys. */
  'break_glass_keys_required',
  /** Every break-glass key is labelled with its custodian and location before the session completes. */
  'break_glass_key_unlabelled',
  /** No open session of the break-glass account shows the reference the custodian typed: ask the key holder to read it again. */
  'break_glass_reference_mismatch',
  /** Break-glass accounts have no recovery codes, no help-desk recovery and no device approval: the keys are the recovery. */
  'break_glass_no_recovery',
  /** An enrolment code is for a person with no working factor: one who has one adds another from My security, or recovers. */
  'already_enrolled',
  /** Emergency access to a service account is asked for by its named owner only (unknown accounts answer alike). */
  'not_service_owner',
  /** The emergency-access grant is not approved (yet, or at all): no token. */
  'emergency_not_approved',
  'internal',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/**
 * With a wrong enrolment, recovery or help-desk code: what the owner needs to pace the next try.
 * Counted for the code, username or request as typed, so an unknown one answers as a known one.
 */
export const TriesLeft = z.object({
  /** Wrong tries still answered at once; 0: the next one waits. */
  beforeWait: z.number().int().min(0),
  /** Only near the hard lock: wrong tries left before the lock. */
  beforeLock: z.number().int().min(0).optional(),
});
export type TriesLeft = z.infer<typeof TriesLeft>;

export const ApiError = z.object({
  error: z.object({
    code: ApiErrorCode,
    message: z.string(),
    /** With `rate_limited` (and `unavailable`): whole seconds to wait before trying again, as in `Retry-After`. */
    retryAfterSeconds: z.number().int().positive().optional(),
    /** With `code_invalid` and `recovery_code_invalid`: the tries left. */
    tries: TriesLeft.optional(),
    /** With `device_posture_insufficient`: what is missing, and the platform to explain the fix for. */
    posture: PostureRefusal.optional(),
  }),
});
export type ApiError = z.infer<typeof ApiError>;
