import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Executor } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { generateCode } from '../enrolment/codes.js';
import { notify } from '../notifications/outbox.js';
import { newId, sha256 } from '../secrets.js';
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
  for (let draw = 1; draw <= HANDLE_DRAWS; draw++) {
    const code = generateCode();
    const taken = await tx.selectFrom('enrolment_codes').select('id').where('handle', '=', code.handle).executeTakeFirst();
    if (taken) continue;
    const codeId = newId();
    const expiresAt = addSeconds(now, config.codeTtlSeconds).toISOString();
    await tx
      .insertInto('enrolment_codes')
      .values({
        id: codeId,
        user_id: user.id,
        handle: code.handle,
        secret_hash: sha256(code.secret),
        created_at: now.toISOString(),
        expires_at: expiresAt,
        used_at: null,
        locked_at: null,
      })
      .execute();
    await appendAuditIn(tx, clock, {
      event: 'code.issued',
      actor,
      userId: user.id,
      details: { codeId, ttlSeconds: config.codeTtlSeconds, tier, delivery: 'mover' },
    });
    await notify(tx, clock, {
      user,
      kind: 'enrolment.invited',
      details: {
        code: code.display,
        link: `${config.linkBase}?code=${encodeURIComponent(code.display)}`,
        expiresAt,
        reason: 'role_changed',
      },
    });
    return true;
  }
  throw new Error('no free enrolment-code handle after several draws');
}
