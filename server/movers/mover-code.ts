import { handleTakenIn, issueCodeIn } from '../accounts/issue-code.js';
import type { Executor } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { generateCode } from '../enrolment/codes.js';
import type { MoverDeps } from './reevaluate.js';

/** Draws before giving up on a free handle (server/enrolment/codes.ts explains the clash). */
const HANDLE_DRAWS = 8;

/**
 * The way to comply for a mover none of whose factors can open a session any more (all expired, suspended or
 * revoked): a new enrolment code for the new tier, to their own mailbox through the outbox. Only for someone who
 * had enrolled (a joiner who never did has their invitation) and holds no code that still works. Answers whether
 * a code was issued.
 */
export async function issueMoverCodeIn(tx: Executor, deps: MoverDeps, user: UserRow, actor: string, tier: string): Promise<boolean> {
  const { clock, config } = deps;
  const now = clock.now();
  const enrolledBefore = await tx
    .selectFrom('credentials')
    .select('id')
    .where('user_id', '=', user.id)
    .where('status', '!=', 'pending')
    .executeTakeFirst();
  if (!enrolledBefore) return false;
  const working = await tx
    .selectFrom('enrolment_codes')
    .select('id')
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .where('locked_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  if (working) return false;
  const taken = handleTakenIn(tx);
  // Drawn and checked inside the mover's transaction: a clashing insert would abort it on PostgreSQL.
  for (let draw = 1; draw <= HANDLE_DRAWS; draw++) {
    const code = generateCode();
    if (await taken(code.handle)) continue;
    await issueCodeIn(tx, deps, user, actor, {
      code,
      ttlSeconds: config.codeTtlSeconds,
      tier,
      mailbox: { delivery: 'mover', reason: 'role_changed' },
    });
    return true;
  }
  throw new Error('no free enrolment-code handle after several draws');
}
