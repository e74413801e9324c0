import type { Executor } from '../context.js';

/** A user's manager and end date as the admin API's createUser gives them (server/accounts/service.ts), in its transaction. */
export async function recordProvisioningIn(
  tx: Executor,
  userId: string,
  manager: string | null,
  endDate: string | null,
  at: string,
): Promise<void> {
  await tx
    .insertInto('user_provisioning')
    .values({ user_id: userId, external_id: null, manager, end_date: endDate, deactivated_at: null, deleted_at: null, updated_at: at })
    .execute();
}
