import type { FactorKind } from '../api/enrolment.js';
import type { UserRow } from './db/schema.js';
import { ApiFailure } from './errors.js';

/**
 * Which factors a user may bind. The server alone decides; the app only shows
 * what this returns. Service accounts never get an interactive factor.
 */
export function allowedFactorsFor(user: UserRow): FactorKind[] {
  if (user.account_kind === 'service') {
    throw new ApiFailure('account_not_eligible', 'service accounts use workload identity, not interactive factors');
  }
  return ['passkey', 'security-key'];
}
