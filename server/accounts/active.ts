import { type ExpressionBuilder, sql } from 'kysely';
import type { Executor } from '../context.js';
import type { Database } from '../db/schema.js';
import type { UserProvisioningTable } from '../db/schema-provisioning.js';
import { ApiFailure } from '../errors.js';

/** The UTC calendar day of an instant: what a contractor's end date (YYYY-MM-DD) is compared with. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export type InactiveReason = 'deactivated' | 'end_date_passed';

/** Why a person may no longer come in, or null: left, or a contractor whose last day is over. */
export function inactiveReason(
  state: (Pick<UserProvisioningTable, 'deactivated_at' | 'end_date'> & { employment_type: string }) | undefined,
  now: Date,
): InactiveReason | null {
  if (!state) return null;
  if (state.deactivated_at) return 'deactivated';
  // An end date is a contractor's: an employee's leaving is a deactivation by their identity provider.
  if (state.employment_type === 'contractor' && state.end_date && state.end_date < utcDay(now)) return 'end_date_passed';
  return null;
}

/**
 * For the lookups a stranger can make by typing a username (authentication options, help-desk and
 * device-approval filings): `.where(isActiveUser(now))` on `users` makes a person who left look
 * exactly like a username that does not exist, so these answers tell nobody who left.
 */
export function isActiveUser(now: Date) {
  return (eb: ExpressionBuilder<Database, 'users'>) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('user_provisioning')
          .select(sql.lit(1).as('one'))
          .whereRef('user_provisioning.user_id', '=', 'users.id')
          .where((p) =>
            p.or([
              p('user_provisioning.deactivated_at', 'is not', null),
              p.and([p('users.employment_type', '=', 'contractor'), p('user_provisioning.end_date', '<', utcDay(now))]),
            ]),
          ),
      ),
    );
}

/**
 * Refuses (ApiFailure `account_inactive`) when the user has left: deactivated over SCIM or by import, or past a
 * contractor's end date. Every way in that has already proved something (a code, an assertion, a session) asks
 * this where it first loads the user; inside a transaction it holds the user's row until commit (PostgreSQL),
 * so a deactivation running at the same moment is either seen here or sees (and ends) what this opened.
 */
export async function assertUserActive(db: Executor, userId: string, now: Date = new Date()): Promise<void> {
  if (db.isTransaction) {
    // A write that changes nothing takes the user's row lock, which the leaver takes first too
    // (server/provisioning/leaver.ts): whichever commits second sees what the first did.
    await db.updateTable('users').set({ id: userId }).where('id', '=', userId).execute();
  }
  const state = await db
    .selectFrom('user_provisioning')
    .innerJoin('users', 'users.id', 'user_provisioning.user_id')
    .select(['user_provisioning.deactivated_at', 'user_provisioning.end_date', 'users.employment_type'])
    .where('user_provisioning.user_id', '=', userId)
    .executeTakeFirst();
  const reason = inactiveReason(state, now);
  if (reason) {
    throw new ApiFailure(
      'account_inactive',
      reason === 'deactivated' ? 'this account was deactivated by its organisation' : 'this account ended on its end date',
    );
  }
}
