import type { AuditEntry } from '../audit.js';
import type { Executor } from '../context.js';
import type { SessionRow, UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import { MIN_BREAK_GLASS_KEYS } from './tier.js';

/**
 * The gate a break-glass account's session passes before it completes (server/enrolment/completion.ts,
 * inside its transaction): supervised, at least two keys, every new key labelled. Returns the audit
 * entry of the ceremony, or null for any other account.
 */
export async function breakGlassCeremonyIn(tx: Executor, session: SessionRow, user: UserRow): Promise<AuditEntry | null> {
  if (user.account_kind !== 'break-glass') return null;
  const custodians = await custodiansOf(tx, session.id);
  // A kiosk session opened only after an operator confirmed this account at the station (server/kiosk/).
  const kiosk = session.station_id !== null;
  const operator = kiosk ? await kioskOperatorOf(tx, session.id) : null;
  // Two different people, always: one admin could otherwise register a station, issue the code and
  // confirm herself as its operator. The operator counts once, as one of the two.
  const supervisors = new Set([...custodians, ...(operator ? [operator] : [])]);
  if (supervisors.size < 2)
    throw new ApiFailure(
      'break_glass_unsupervised',
      kiosk
        ? `a break-glass enrolment at a kiosk needs the operator and a custodian who is someone else (${supervisors.size} person so far)`
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

/** The usernames of the custodians who confirmed this session, each once, in the order they confirmed (by name within one instant). */
export async function custodiansOf(ex: Executor, sessionId: string): Promise<string[]> {
  const rows = await ex
    .selectFrom('break_glass_supervisions')
    .innerJoin('users', 'users.id', 'break_glass_supervisions.custodian_id')
    .select('users.username')
    .where('break_glass_supervisions.session_id', '=', sessionId)
    .orderBy('break_glass_supervisions.confirmed_at')
    .orderBy('users.username')
    .execute();
  return rows.map((r) => r.username);
}

/** The username of the operator whose confirmation opened this kiosk session. */
async function kioskOperatorOf(ex: Executor, sessionId: string): Promise<string | null> {
  const row = await ex
    .selectFrom('kiosk_confirmations')
    .innerJoin('users', 'users.id', 'kiosk_confirmations.operator_id')
    .select('users.username')
    .where('kiosk_confirmations.session_id', '=', sessionId)
    .executeTakeFirst();
  return row?.username ?? null;
}
