import type { Executor } from '../context.js';
import { ApiFailure } from '../errors.js';

/**
 * Refuses every way back into a break-glass account but its keys: recovery codes, the help desk and
 * device approval. Its keys are the recovery, kept in separate safes; any other path would be a
 * weaker door to the most powerful account. Named precisely, at the cost of telling an asker the
 * username is a break-glass account: those names are no secret to the organisation, and the
 * alternative (a fake flow that never succeeds) would leave the person in an emergency waiting.
 */
export async function refuseBreakGlassRecovery(
  ex: Executor,
  username: string,
  path: 'recovery codes' | 'help desk' | 'device approval',
): Promise<void> {
  const row = await ex
    .selectFrom('users')
    .select('id')
    .where('username', '=', username)
    .where('account_kind', '=', 'break-glass')
    .executeTakeFirst();
  if (row) throw new ApiFailure('break_glass_no_recovery', `a break-glass account has no ${path}: its keys are the recovery`);
}
