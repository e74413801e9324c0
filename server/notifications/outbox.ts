import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';
import type { Db } from '../db/open.js';
import type { UserRow } from '../db/schema.js';

/**
 * The notification outbox: every recovery, replacement and factor change writes a row in the
 * same transaction as the change, and a drain hands undelivered rows to a sink (a mailer, a chat
 * hook, or by default a file or the console). So the user learns of a recovery they did not start.
 */
export type NotificationKind =
  | 'recovery.requested'
  | 'recovery.approved'
  | 'recovery.denied'
  | 'recovery.started'
  | 'recovery.completed'
  | 'recovery.locked'
  | 'codes.guessed'
  | 'recovery_codes.regenerated'
  | 'replacement.completed'
  | 'factor.added'
  | 'factor.removed'
  | 'factor.revoked'
  | 'factor.suspended'
  /** A mover's factor no longer meets their new tier: details.deadline, details.acceptedFactors (server/movers/). */
  | 'factor.non_compliant'
  | 'device.rebound'
  | 'device.revoked'
  | 'device.approved'
  /** A joiner's invitation: the one notification that carries a code (details.code, details.link), for the person's own email. */
  | 'enrolment.invited'
  /** High priority (details.priority 'high'): a break-glass key was used to sign in (server/break-glass/use.ts). */
  | 'break_glass.used'
  /** Emergency access to a service account the person owns: asked for in their name, approved, denied (server/emergency-access/). */
  | 'emergency.requested'
  | 'emergency.approved'
  | 'emergency.denied';

type Detail = string | number | boolean | null | string[];

/** What a sink receives. Never codes, tokens or keys: names, identifiers and times only. */
export interface Notification {
  /** Increasing: a sink can use it to drop a duplicate after a retry. */
  id: number;
  kind: NotificationKind;
  createdAt: string;
  user: { id: string; username: string; displayName: string; email: string | null };
  /** The device the event came from, when there is one. */
  device: { id: string; name: string } | null;
  /** One plain sentence a mailer can send as is. */
  message: string;
  details: Record<string, Detail>;
}

const WARNING = 'If this was not you, contact the help desk now.';

const MESSAGES: Record<NotificationKind, string> = {
  'recovery.requested': 'Someone asked the help desk to recover your account.',
  'recovery.approved': 'A help-desk agent approved a recovery of your account.',
  'recovery.denied': 'The help desk denied a request to recover your account.',
  'recovery.started': 'A recovery of your account was started.',
  'recovery.completed': 'Your account was recovered with a new sign-in factor; your other factors and devices no longer work.',
  'recovery.locked': 'Recovery codes for your account are locked after too many wrong tries.',
  'codes.guessed': 'Someone is trying wrong codes for your account; each further try now has to wait longer.',
  'recovery_codes.regenerated': 'New recovery codes were made for your account; the old ones no longer work.',
  'replacement.completed': 'Your sign-in factors or devices were changed from a device you authenticated on.',
  'factor.added': 'A new sign-in factor was added to your account.',
  'factor.removed': 'A sign-in factor was removed from your account.',
  'factor.revoked': 'A sign-in factor of your account was revoked.',
  'factor.suspended': 'A sign-in factor of your account was suspended until the help desk reviews it.',
  'factor.non_compliant':
    'Your role changed: a sign-in factor of yours no longer meets its requirements. Add one that does before the deadline given; after it the old one stops working.',
  'device.rebound': 'A security key of yours was moved to another device.',
  'device.revoked': 'A device of yours can no longer be used with your account.',
  'device.approved': 'A new computer was approved from one of your devices and may now add a sign-in factor to your account.',
  'enrolment.invited': 'Welcome: set up your sign-in with the enrolment code in this message before it expires.',
  'break_glass.used': 'A break-glass key was used to sign in to this emergency account.',
  'emergency.requested': 'Emergency access to a service account you own was requested in your name.',
  'emergency.approved': 'Your emergency access to a service account was approved; collect it in FirstKey before the window ends.',
  'emergency.denied': 'Your request for emergency access to a service account was denied.',
};

export interface NotifyInput {
  user: Pick<UserRow, 'id' | 'username' | 'display_name' | 'email'>;
  kind: NotificationKind;
  device?: { id: string; name: string } | null;
  details?: Record<string, Detail>;
}

/** Writes one outbox row, inside the caller's transaction when given one. */
export async function notify(ex: Executor, clock: Clock, input: NotifyInput): Promise<void> {
  const { user } = input;
  const payload: Omit<Notification, 'id' | 'kind' | 'createdAt'> = {
    user: { id: user.id, username: user.username, displayName: user.display_name, email: user.email },
    device: input.device ?? null,
    message: `${MESSAGES[input.kind]} ${WARNING}`,
    details: input.details ?? {},
  };
  await ex
    .insertInto('notifications')
    .values({
      user_id: user.id,
      kind: input.kind,
      payload: JSON.stringify(payload),
      created_at: clock.now().toISOString(),
      delivered_at: null,
    })
    .execute();
}

/** Delivers one notification; throwing leaves it (and every later one) in the outbox for the next drain. */
export type NotificationSink = (notification: Notification) => Promise<void>;

/**
 * Hands every undelivered notification to the sink, in the order they were written, marking each delivered as soon
 * as the sink accepts it. Returns how many were delivered. A sink that fails stops the drain; the
 * failed row and the rest wait for the next call (at-least-once delivery).
 */
export async function drainNotifications(db: Db, sink: NotificationSink, opts: { clock?: Clock; limit?: number } = {}): Promise<number> {
  const rows = await db
    .selectFrom('notifications')
    .selectAll()
    .where('delivered_at', 'is', null)
    .orderBy('id')
    .limit(opts.limit ?? 500)
    .execute();
  let delivered = 0;
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as Omit<Notification, 'id' | 'kind' | 'createdAt'>;
    await sink({ id: row.id, kind: row.kind as NotificationKind, createdAt: row.created_at, ...payload });
    const at = (opts.clock?.now() ?? new Date()).toISOString();
    await db.updateTable('notifications').set({ delivered_at: at }).where('id', '=', row.id).where('delivered_at', 'is', null).execute();
    delivered += 1;
  }
  return delivered;
}
