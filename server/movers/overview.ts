import type { MoverCompliance } from '../../api/security.js';
import type { Executor } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { tierFor } from '../policy/evaluate.js';
import type { PolicyFile } from '../policy/schema.js';

/**
 * What the app shows a mover (api/security.ts MoverCompliance): their open non-compliant factors, the earliest
 * deadline, and whether they still lack a factor that meets their tier. Null when nothing falls short.
 */
export async function moverComplianceOf(db: Executor, policy: PolicyFile, user: UserRow, now: Date): Promise<MoverCompliance | null> {
  const open = await db
    .selectFrom('factor_compliance')
    .innerJoin('credentials', 'credentials.id', 'factor_compliance.credential_id')
    .select(['factor_compliance.credential_id', 'factor_compliance.deadline'])
    .where('factor_compliance.user_id', '=', user.id)
    .where('factor_compliance.resolved_at', 'is', null)
    .where('credentials.status', '=', 'active')
    .orderBy('factor_compliance.deadline')
    .execute();
  const first = open[0];
  if (!first || user.account_kind === 'service') return null;
  const flagged = new Set(open.map((r) => r.credential_id));
  const usable = await db
    .selectFrom('credentials')
    .select('id')
    .where('user_id', '=', user.id)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .execute();
  return {
    deadline: new Date(first.deadline).toISOString(),
    acceptedFactors: tierFor(policy, user).tier.factors,
    // Every factor registered since the move was judged against the new tier: any usable unflagged one meets it.
    actionRequired: !usable.some((c) => !flagged.has(c.id)),
    nonCompliantFactorIds: [...flagged],
  };
}
