import type { AuthenticationRefusal } from '../webauthn/authentication.js';
import type { RegistrationRefusal } from '../webauthn/registration.js';
import type { PolicyRefusal } from '../policy/evaluate.js';
import { PostureRequirementName } from '../../api/posture.js';

/**
 * Refusals as metrics name them: `<source>:<reason>` from closed lists. The audit trail's reasons are
 * written by our code, but one slip (a library's message, a typed value) must never become a label:
 * anything not listed here is counted as `<source>:other`.
 */
const REGISTRATION: readonly RegistrationRefusal[] = [
  'challenge_mismatch',
  'origin_mismatch',
  'rp_id_mismatch',
  'user_presence_missing',
  'user_verification_missing',
  'unsupported_algorithm',
  'attestation_invalid',
  'malformed',
];
const POLICY: readonly PolicyRefusal[] = [
  'authenticator_compromised',
  'synced_passkey',
  'aaguid_not_allowed',
  'aaguid_denied',
  'attestation_untrusted',
];
/** A key registered as a security key that is not one (server/kiosk/security-key-only.ts). */
const NOT_A_KEY = ['platform_attachment', 'backup_eligible', 'backed_up', 'platform_authenticator_model'] as const;
const ASSERTION: readonly AuthenticationRefusal[] = [
  'challenge_mismatch',
  'origin_mismatch',
  'rp_id_mismatch',
  'user_presence_missing',
  'user_verification_missing',
  'counter_regression',
  'signature_invalid',
  'malformed',
];
/** server/authentication/service.ts words some refusals as sentences: each gets its code. */
const AUTH_SENTENCES: Readonly<Record<string, string>> = {
  'factor revoked': 'factor_revoked',
  'factor suspended until reviewed': 'factor_suspended',
  'factor expired': 'factor_expired',
};

const FACTOR_REASONS = new Set<string>([...REGISTRATION, ...POLICY, ...NOT_A_KEY]);
const AUTH_REASONS = new Set<string>([...ASSERTION, 'unknown_credential', 'user_handle_mismatch', ...Object.values(AUTH_SENTENCES)]);

/** The refusal events the funnel counts, by the audit event that records them. */
export const REFUSAL_EVENTS = ['factor.refused', 'code.refused', 'code.locked', 'auth.refused', 'device.posture_refused'] as const;
export type RefusalEvent = (typeof REFUSAL_EVENTS)[number];

/** A device short of its tier's posture (server/posture/admit.ts): the first requirement it did not meet. */
const POSTURE_REASONS = new Set<string>(PostureRequirementName.options);

/** The label for one refusal event and the reason its details give. */
export function refusalLabel(event: RefusalEvent, reason: unknown): string {
  switch (event) {
    case 'code.refused':
      return 'code:wrong_code';
    case 'code.locked':
      return 'code:locked';
    case 'factor.refused':
      return `factor:${typeof reason === 'string' && FACTOR_REASONS.has(reason) ? reason : 'other'}`;
    case 'auth.refused': {
      const named = typeof reason === 'string' ? (AUTH_SENTENCES[reason] ?? reason) : '';
      return `auth:${AUTH_REASONS.has(named) ? named : 'other'}`;
    }
    case 'device.posture_refused':
      return `posture:${typeof reason === 'string' && POSTURE_REASONS.has(reason) ? reason : 'other'}`;
  }
}

/** Every label refusalLabel can give: the closed set a test checks the metrics against. */
export const REFUSAL_LABELS: ReadonlySet<string> = new Set([
  'code:wrong_code',
  'code:locked',
  ...[...FACTOR_REASONS, 'other'].map((r) => `factor:${r}`),
  ...[...AUTH_REASONS, 'other'].map((r) => `auth:${r}`),
  ...[...POSTURE_REASONS, 'other'].map((r) => `posture:${r}`),
]);

/** How a recovery was opened (sessions.opened_by of a recover session). */
export const RECOVERY_METHODS = ['recovery-code', 'helpdesk-code'] as const;

export function recoveryMethodLabel(method: unknown): string {
  return typeof method === 'string' && (RECOVERY_METHODS as readonly string[]).includes(method) ? method : 'other';
}

export const FACTOR_KINDS = ['passkey', 'security-key'] as const;

export function factorKindLabel(kind: unknown): string {
  return typeof kind === 'string' && (FACTOR_KINDS as readonly string[]).includes(kind) ? kind : 'other';
}
