import { z } from 'zod';

/**
 * Every refusal the verification API can give. The app maps each code to plain
 * guidance; the message is for logs and operators, never shown as-is.
 */
export const ApiErrorCode = z.enum([
  'invalid_request',
  'unauthorized',
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
  'authenticator_not_allowed',
  'factor_limit_reached',
  'nothing_registered',
  'not_found',
  'dpop_invalid',
  'device_revoked',
  'internal',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiError = z.object({
  error: z.object({ code: ApiErrorCode, message: z.string() }),
});
export type ApiError = z.infer<typeof ApiError>;
