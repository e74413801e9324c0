import { appendAuditIn } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Executor } from '../context.js';
import type { CredentialRow, UserRow } from '../db/schema.js';
import { notify } from '../notifications/outbox.js';

/**
 * Every sign-in with a break-glass key, in the sign-in's own transaction: an audit event and a
 * high-priority notification (who, which key by its label, when, from which device; never a secret),
 * so a use nobody announced is noticed at once. A test sign-in notifies too: that is the drill.
 */
export async function recordBreakGlassUseIn(
  tx: Executor,
  clock: Clock,
  user: UserRow,
  credential: Pick<CredentialRow, 'id'>,
  device: { id: string; name: string },
): Promise<void> {
  if (user.account_kind !== 'break-glass') return;
  const label = await tx
    .selectFrom('break_glass_keys')
    .select(['custodian', 'location'])
    .where('credential_id', '=', credential.id)
    .executeTakeFirst();
  const at = clock.now().toISOString();
  const key = { credentialId: credential.id, custodian: label?.custodian ?? null, location: label?.location ?? null };
  await appendAuditIn(tx, clock, {
    event: 'break_glass.used',
    actor: user.username,
    userId: user.id,
    details: { ...key, deviceId: device.id, at },
  });
  await notify(tx, clock, { user, kind: 'break_glass.used', device, details: { priority: 'high', account: user.username, ...key, at } });
}
