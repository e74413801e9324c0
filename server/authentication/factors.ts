import { isActiveUser } from '../accounts/active.js';
import type { Executor } from '../context.js';
import type { UserRow } from '../db/schema.js';

export interface SignInFactor {
  id: string;
  transports: string;
  factor: string;
}

/** An active person with at least one factor to sign in with, or `undefined`: what a username stands for at sign-in. */
export interface SignInAccount {
  user: UserRow;
  factors: SignInFactor[];
}

/**
 * The person a username names and the factors they may sign in with now, for the app's sign-in and the
 * console's alike: two answers built from one lookup cannot be compared to learn more than either tells.
 * Both queries run whoever asks, so the answer's time says little about the username.
 */
export async function signInAccount(db: Executor, username: string, now: Date): Promise<SignInAccount | undefined> {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .where('account_kind', 'in', ['human', 'break-glass'])
    .where(isActiveUser(now))
    .executeTakeFirst();
  const factors = await db
    .selectFrom('credentials')
    .select(['id', 'transports', 'factor'])
    .where('user_id', '=', user?.id ?? '')
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .orderBy('created_at')
    .execute();
  return user && factors.length > 0 ? { user, factors } : undefined;
}
