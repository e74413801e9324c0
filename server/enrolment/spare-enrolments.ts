import type { AuditEntry } from '../audit.js';
import type { Executor } from '../context.js';
import type { SessionRow, UserRow } from '../db/schema.js';

/**
 * Once a session completes, the person holds a working factor, and an enrolment code binds a key without
 * their own authentication: a spare one (a help-desk agent who issued two, an invitation beside a desk-issued
 * code, a mover's code before a recovery) would let whoever holds it add their key to an enrolled account.
 * So, in the completion's transaction, every other live code of theirs is spent (its exchange answers
 * `code_used`), and every other open session a code opened is ended, whether it was opened before this one
 * or during it. A break-glass account is no exception: its ceremony is supervised once, and a code for a
 * later one is issued after it. Returns the audit entries, none when nothing was spare.
 */
export async function retireSpareEnrolmentsIn(tx: Executor, session: SessionRow, user: UserRow, now: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  const base = { actor: user.username, userId: user.id };
  const voided = await tx
    .updateTable('enrolment_codes')
    .set({ used_at: now })
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .execute();
  if (voided.length > 0)
    entries.push({
      ...base,
      event: 'enrolment.codes_voided',
      details: { count: voided.length, sessionId: session.id, purpose: session.purpose },
    });
  const ended = await tx
    .updateTable('sessions')
    .set({ ended_at: now, challenge: null })
    .where('user_id', '=', user.id)
    .where('id', '!=', session.id)
    .where('opened_by', '=', 'enrolment-code')
    .where('completed_at', 'is', null)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .execute();
  if (ended.length > 0)
    entries.push({
      ...base,
      event: 'enrolment.sessions_ended',
      details: { count: ended.length, sessionId: session.id, endedSessionIds: ended.map((e) => e.id).join(', ') },
    });
  return entries;
}
