import { isActiveUser } from '../accounts/active.js';
import type { Executor } from '../context.js';
import type { CredentialRow, KioskConfirmationsTable, UserRow } from '../db/schema.js';
import { isKioskOperator } from '../operators/roles.js';
import { reachedThroughADevice } from './security-key-only.js';

/**
 * The person's keys that would count for an operator, whether or not they are one: active, unexpired
 * security keys in hand, none for anyone who has left. Only keys in hand count: a credential registered as
 * a security key before that was checked, but synced (backup eligible) or reached through a computer or
 * phone, would let anyone holding the person's cloud account or laptop confirm new hires. The station's
 * options name these for anyone, so they say nothing about who is an operator; `operatorKeysOf` decides that.
 */
export async function keysInHandOf(db: Executor, user: Pick<UserRow, 'id'> | undefined, now: Date): Promise<CredentialRow[]> {
  // A contractor past their end date keeps their rows until a sweep deactivates them: their keys count for nothing meanwhile.
  // Both queries run whoever is asked about, so the answer's time says little about the name.
  const active = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', user?.id ?? '')
    .where(isActiveUser(now))
    .executeTakeFirst();
  const keys = await db
    .selectFrom('credentials')
    .selectAll()
    .where('user_id', '=', user?.id ?? '')
    .where('status', '=', 'active')
    .where('factor', '=', 'security-key')
    .where('backup_eligible', '=', 0)
    .where('backed_up', '=', 0)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .orderBy('created_at')
    .execute();
  if (!active) return [];
  return keys.filter((k) => !reachedThroughADevice(JSON.parse(k.transports) as string[]));
}

/** The operator's keys in hand (`keysInHandOf`); none for anyone who is not a kiosk operator. */
export async function operatorKeysOf(
  db: Executor,
  kioskOperatorRoles: readonly string[],
  user: UserRow | undefined,
  now: Date,
): Promise<CredentialRow[]> {
  if (!user || !(await isKioskOperator(db, kioskOperatorRoles, user))) return [];
  return keysInHandOf(db, user, now);
}

/**
 * Whether the operator who gave a confirmation would still be let give it now: still an active person,
 * still an operator, and the key they confirmed with still one of their keys in hand. A confirmation
 * lives for minutes; an operator who left, lost a role, or whose key was revoked in them vouches for nobody.
 */
export async function operatorStillTrusted(
  db: Executor,
  kioskOperatorRoles: readonly string[],
  confirmation: Pick<KioskConfirmationsTable, 'operator_id' | 'operator_credential_id'>,
  now: Date,
): Promise<boolean> {
  const operator = await db.selectFrom('users').selectAll().where('id', '=', confirmation.operator_id).executeTakeFirst();
  const keys = await operatorKeysOf(db, kioskOperatorRoles, operator, now);
  return keys.some((k) => k.id === confirmation.operator_credential_id);
}
