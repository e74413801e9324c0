import type { Executor } from '../context.js';
import { isActiveUser } from '../accounts/active.js';
import type { PolicyFile } from '../policy/schema.js';
import { DEFAULT_TEST_INTERVAL_DAYS, MIN_BREAK_GLASS_KEYS } from './tier.js';

/** One thing wrong with a break-glass account: it would not be known to work in an emergency. */
export type BreakGlassFinding =
  | { username: string; kind: 'too_few_keys'; working: number }
  | {
      username: string;
      kind: 'key_untested';
      credentialId: string;
      custodian: string | null;
      location: string | null;
      lastUsedAt: string | null;
    };

/**
 * Every break-glass account with fewer than two working keys (active: not pending, suspended,
 * revoked or expired), and every working key not used to sign in within the policy's test interval.
 * A key never used since enrolment counts from its enrolment: registering it proved it then.
 */
export async function checkBreakGlass(db: Executor, policy: PolicyFile, now: Date): Promise<BreakGlassFinding[]> {
  const days = policy.breakGlass?.testIntervalDays ?? DEFAULT_TEST_INTERVAL_DAYS;
  const testedSince = new Date(now.getTime() - days * 86_400_000).toISOString();
  const iso = now.toISOString();
  const accounts = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('account_kind', '=', 'break-glass')
    .where(isActiveUser(now))
    .orderBy('username')
    .execute();
  const findings: BreakGlassFinding[] = [];
  for (const account of accounts) {
    const keys = await db
      .selectFrom('credentials')
      .leftJoin('break_glass_keys', 'break_glass_keys.credential_id', 'credentials.id')
      .select([
        'credentials.id',
        'credentials.created_at',
        'credentials.last_used_at',
        'break_glass_keys.custodian',
        'break_glass_keys.location',
      ])
      .where('credentials.user_id', '=', account.id)
      .where('credentials.status', '=', 'active')
      .where((eb) => eb.or([eb('credentials.expires_at', 'is', null), eb('credentials.expires_at', '>', iso)]))
      .orderBy('credentials.created_at')
      .execute();
    if (keys.length < MIN_BREAK_GLASS_KEYS) findings.push({ username: account.username, kind: 'too_few_keys', working: keys.length });
    for (const key of keys) {
      if ((key.last_used_at ?? key.created_at) >= testedSince) continue;
      findings.push({
        username: account.username,
        kind: 'key_untested',
        credentialId: key.id,
        custodian: key.custodian,
        location: key.location,
        lastUsedAt: key.last_used_at,
      });
    }
  }
  return findings;
}

/** One line an operator reads in the check's output. */
export function describeFinding(f: BreakGlassFinding, days: number): string {
  if (f.kind === 'too_few_keys') return `${f.username}: ${f.working} working key(s), at least ${MIN_BREAK_GLASS_KEYS} needed`;
  const label = f.custodian ? `${f.custodian}, ${f.location ?? 'no location'}` : 'unlabelled';
  return `${f.username}: key ${f.credentialId} (${label}) not used to sign in within ${days} days (last ${f.lastUsedAt ?? 'never since enrolment'})`;
}
