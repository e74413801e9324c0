import type { StepTimings } from '../../api/friction.js';
import { appendAuditIn } from '../audit.js';
import { addSeconds } from '../clock.js';
import type { Caller, ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import { ApiFailure } from '../errors.js';
import { tierFor } from '../policy/evaluate.js';
import { sha256 } from '../secrets.js';

/**
 * How long after a session's end its timings are still taken: the app sends them as the session
 * completes, ends or times out, so they arrive just after the session stopped being live.
 */
export const REPORT_GRACE_SECONDS = 3600;

/**
 * The app's time per screen of an enrolment session. Kept with the session id and the tier only:
 * the person is not named, and the steps are a closed list (api/friction.ts).
 */
export class StepTimingStore {
  constructor(private readonly deps: Pick<ServiceDeps, 'db' | 'clock' | 'policy'>) {}

  /**
   * Records one report per session. The session need not be live (the point is to learn where people
   * stopped), but the token must be its own and signed by the device key it is bound to.
   */
  async record(caller: Caller, timings: StepTimings): Promise<void> {
    const { db, clock, policy } = this.deps;
    const session = await db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256(caller.token)).executeTakeFirst();
    if (!session) throw new ApiFailure('session_invalid', 'no such session');
    if (session.jkt !== caller.jkt) throw new ApiFailure('dpop_invalid', 'the session is bound to another device key');
    if (session.purpose !== 'enrol') throw new ApiFailure('purpose_not_allowed', `a ${session.purpose} session has no enrolment steps`);
    const now = clock.now();
    if (addSeconds(new Date(session.expires_at), REPORT_GRACE_SECONDS) <= now) {
      throw new ApiFailure('session_expired', 'the session ended too long ago for its step timings');
    }
    const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirstOrThrow();
    const tier = tierFor(policy.policy, user).name;
    const recordedAt = now.toISOString();
    await transaction(db, async (tx) => {
      const reported = await tx.selectFrom('step_timings').select('session_id').where('session_id', '=', session.id).executeTakeFirst();
      if (reported) throw new ApiFailure('invalid_request', "this session's step timings were already reported");
      await tx
        .insertInto('step_timings')
        .values(timings.map(({ step, ms }, position) => ({ session_id: session.id, position, step, ms, tier, recorded_at: recordedAt })))
        // Two reports racing: the first wins whole, the second adds nothing.
        .onConflict((oc) => oc.doNothing())
        .execute();
      await appendAuditIn(tx, clock, {
        event: 'session.step_timings',
        actor: 'app',
        userId: session.user_id,
        details: { sessionId: session.id, steps: timings.length, tier },
      });
    });
  }
}
