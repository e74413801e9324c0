import { createHmac, randomBytes } from 'node:crypto';
import { APPROVAL_CODE_LENGTH } from '../../api/device-approval.js';
import type { Executor } from '../context.js';
import { group } from '../enrolment/codes.js';
import { randomBase32 } from '../secrets.js';

const SECRET_NAME = 'device-approval-codes';

/**
 * A short code for a person to read off one screen and type on another: 40 bits in two groups of
 * four. It is still never the only thing between an attacker and a session: it is looked up only
 * among the caller's own pending requests, guesses are throttled per user, and what it approves
 * still opens only for the device key that asked.
 */
export function newApprovalCode(): { chars: string; display: string } {
  const chars = randomBase32(APPROVAL_CODE_LENGTH);
  return { chars, display: group(chars) };
}

/**
 * The stored form: an HMAC under a server secret. A plain hash of 2^40 possible codes would be
 * reversed in hours from a copy of the database; the HMAC needs the secret too.
 */
export async function approvalCodeHasher(ex: Executor): Promise<(chars: string) => string> {
  await ex
    .insertInto('server_secrets')
    .values({ name: SECRET_NAME, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await ex.selectFrom('server_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirstOrThrow();
  return (chars) => createHmac('sha256', row.value).update(chars).digest('hex');
}
