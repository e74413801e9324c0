import type { Selectable } from 'kysely';
import type { Executor } from '../context.js';
import type { EnrolmentCodesTable } from '../db/schema.js';
import type { SessionStore } from './sessions.js';

/** How the session a code opened came to an end without anything being completed. */
export type EndedWithoutCompletion = 'expired' | 'ended_by_app';

/**
 * The rule that keeps a timeout the person did not cause from costing them their code. A used
 * enrolment code opens a session again only when all of this holds:
 * - every session it opened was opened by this same device key (from any other device it stays used);
 * - none of them completed, and none is still live (each ended by its idle or absolute limit, or
 *   was ended by the app);
 * - no session of the code's owner completed since the code was first used: someone who enrolled
 *   another way (which also ends this code's session) has had what the code was for.
 * The code's own expiry, lock and waits apply as for a first use (the caller checks them).
 * Returns the latest session the code opened and how it ended, or null when the code stays used.
 */
export async function reopenableSession(
  db: Executor,
  sessions: Pick<SessionStore, 'effectiveExpiry'>,
  code: Pick<Selectable<EnrolmentCodesTable>, 'id' | 'user_id'>,
  jkt: string,
  now: Date,
): Promise<{ id: string; ended: EndedWithoutCompletion } | null> {
  const opened = await db.selectFrom('sessions').selectAll().where('code_id', '=', code.id).orderBy('created_at', 'desc').execute();
  const latest = opened[0];
  if (!latest) return null;
  const nowIso = now.toISOString();
  for (const s of opened) {
    if (s.jkt !== jkt || s.completed_at) return null;
    if (!s.ended_at && sessions.effectiveExpiry(s) > nowIso) return null;
  }
  const firstOpened = opened.at(-1)?.created_at ?? latest.created_at;
  const completedSince = await db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', code.user_id)
    .where('completed_at', 'is not', null)
    .where('completed_at', '>=', firstOpened)
    .executeTakeFirst();
  if (completedSince) return null;
  return { id: latest.id, ended: latest.ended_at ? 'ended_by_app' : 'expired' };
}
