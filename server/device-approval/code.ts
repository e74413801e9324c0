import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { APPROVAL_CODE_DIGITS } from '../../api/device-approval.js';
import type { Executor } from '../context.js';

const SECRET_NAME = 'device-approval-codes';

/**
 * A short code for a person to read off one screen and type on another: six digits, shown in two
 * groups. Six digits are few, so a code is never the only thing between an attacker and a session:
 * it is looked up only among the caller's own pending requests, guesses are throttled per user,
 * and what it approves still opens only for the device key that asked.
 */
export function newApprovalCode(): { digits: string; display: string } {
  const digits = String(randomInt(0, 10 ** APPROVAL_CODE_DIGITS)).padStart(APPROVAL_CODE_DIGITS, '0');
  return { digits, display: `${digits.slice(0, 3)} ${digits.slice(3)}` };
}

/**
 * The stored form: an HMAC under a server secret. A plain hash of a million possible codes would be
 * reversed at once from a copy of the database; the HMAC needs the secret too.
 */
export async function approvalCodeHasher(ex: Executor): Promise<(digits: string) => string> {
  await ex
    .insertInto('server_secrets')
    .values({ name: SECRET_NAME, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await ex.selectFrom('server_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirstOrThrow();
  return (digits) => createHmac('sha256', row.value).update(digits).digest('hex');
}
