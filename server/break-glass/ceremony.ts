import type { AuditEntry } from '../audit.js';
import type { Executor } from '../context.js';
import type { SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { isActiveUser } from '../accounts/active.js';
import { MIN_BREAK_GLASS_KEYS } from './tier.js';

/**
 * The gate a break-glass account's session passes before it completes (server/enrolment/completion.ts,
 * inside its transaction): supervised, at least two keys, every new key labelled. Returns the audit
 * entry of the ceremony, or null for any other account.
 */
export async function breakGlassCeremonyIn(tx: Executor, session: SessionRow, user: UserRow, now: Date): Promise<AuditEntry | null> {
  if (user.account_kind !== 'break-glass') return null;
  const kiosk = session.station_id !== null;
  const { custodians, operator, count } = await supervisorsOf(tx, session, now);
  if (count < 2)
    throw new ApiFailure(
      'break_glass_unsupervised',
      kiosk
        ? `a break-glass enrolment at a kiosk needs two people: an operator holding the admin role and one custodian, or two custodians (${count} so far)`
        : `a break-glass enrolment needs two custodians' confirmations, or a kiosk operator and one custodian (${custodians.length} so far)`,
    );
  const pending = await tx
    .selectFrom('credentials')
    .leftJoin('break_glass_keys', 'break_glass_keys.credential_id', 'credentials.id')
    .select(['credentials.id', 'break_glass_keys.custodian', 'break_glass_keys.location'])
    .where('credentials.session_id', '=', session.id)
    .where('credentials.status', '=', 'pending')
    .execute();
  const active = await tx.selectFrom('credentials').select('id').where('user_id', '=', user.id).where('status', '=', 'active').execute();
  if (pending.length + active.length < MIN_BREAK_GLASS_KEYS)
    throw new ApiFailure(
      'break_glass_keys_required',
      `a break-glass account needs at least ${MIN_BREAK_GLASS_KEYS} security keys; this session has ${pending.length}`,
    );
  const unlabelled = pending.filter((k) => !k.custodian || !k.location);
  if (unlabelled.length > 0)
    throw new ApiFailure(
      'break_glass_key_unlabelled',
      `label every key with its custodian and location first (${unlabelled.length} not labelled)`,
    );
  return {
    event: 'break_glass.enrolled',
    actor: user.username,
    userId: user.id,
    details: {
      sessionId: session.id,
      supervision: kiosk ? 'kiosk' : 'custodians',
      custodians: custodians.join(', '),
      kioskOperator: operator,
      stationId: session.station_id,
      keys: pending.length,
    },
  };
}

/**
 * Who supervises this session, as completion counts them: the custodians who confirmed it, and for a
 * kiosk session the operator whose confirmation opened it. Two different people, always: one admin
 * could otherwise register a station, issue the code and confirm herself as its operator, so the
 * operator counts once, as one of the two. Each must hold the admin role now, not only when they
 * confirmed: a help-desk operator may confirm new hires at a kiosk, but not watch a break-glass
 * ceremony, and a role revoked since takes the confirmation with it.
 */
export async function supervisorsOf(
  ex: Executor,
  session: Pick<SessionRow, 'id' | 'station_id'>,
  now: Date,
): Promise<{ custodians: string[]; operator: string | null; count: number }> {
  const custodians = await custodiansOf(ex, session.id, now);
  const operator = session.station_id !== null ? await kioskOperatorOf(ex, session.id, now) : null;
  return { custodians, operator, count: new Set([...custodians, ...(operator ? [operator] : [])]).size };
}

/**
 * The usernames of the custodians who confirmed this session and still hold the admin role and have not left, each once,
 * in the order they confirmed (by name within one instant).
 */
export async function custodiansOf(ex: Executor, sessionId: string, now: Date): Promise<string[]> {
  const rows = await ex
    .selectFrom('break_glass_supervisions')
    .innerJoin('users', 'users.id', 'break_glass_supervisions.custodian_id')
    .innerJoin('operator_roles', (join) =>
      join.onRef('operator_roles.user_id', '=', 'break_glass_supervisions.custodian_id').on('operator_roles.role', '=', 'admin'),
    )
    .select('users.username')
    .where('break_glass_supervisions.session_id', '=', sessionId)
    .where(isActiveUser(now))
    .orderBy('break_glass_supervisions.confirmed_at')
    .orderBy('users.username')
    .execute();
  return rows.map((r) => r.username);
}

/** The username of the operator whose confirmation opened this kiosk session, if they hold the admin role and have not left. */
async function kioskOperatorOf(ex: Executor, sessionId: string, now: Date): Promise<string | null> {
  const row = await ex
    .selectFrom('kiosk_confirmations')
    .innerJoin('users', 'users.id', 'kiosk_confirmations.operator_id')
    .innerJoin('operator_roles', (join) =>
      join.onRef('operator_roles.user_id', '=', 'kiosk_confirmations.operator_id').on('operator_roles.role', '=', 'admin'),
    )
    .select('users.username')
    .where('kiosk_confirmations.session_id', '=', sessionId)
    .where(isActiveUser(now))
    .executeTakeFirst();
  return row?.username ?? null;
}
