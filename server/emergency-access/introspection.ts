import type { IntrospectionResponse } from '../../api/operations/emergency-access.js';
import { appendAuditIn } from '../audit.js';
import type { ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { Principal } from '../operators/principal.js';
import { displayReference } from '../recovery/reference.js';
import { sameHash } from '../secrets.js';
import { grantsQuery } from './grants.js';
import { stillOwns } from './owners.js';
import { readEmergencyToken } from './token.js';

const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

/**
 * Answers a system holding a token someone presented: active only for a collected grant inside its
 * window whose owner still owns the (active) service account. Every answer is audited, a refusal
 * with why; the answer itself says only `active: false` (RFC 7662 section 2.2).
 */
export async function introspect(deps: ServiceDeps, token: string, principal: Principal): Promise<IntrospectionResponse> {
  const { db, clock } = deps;
  const now = clock.now();
  const at = now.toISOString();
  const read = readEmergencyToken(token);
  const grant = read ? await grantsQuery(db).where('emergency_grants.id', '=', read.grantId).executeTakeFirst() : undefined;
  const refusal =
    !read || !grant
      ? 'unknown token'
      : !grant.token_hash || !sameHash(grant.token_hash, read.hash)
        ? 'wrong secret'
        : grant.status !== 'active'
          ? `grant ${grant.status}`
          : grant.expires_at <= at
            ? 'window over'
            : !(await stillOwns(db, grant.service_user_id, grant.owner_user_id, now))
              ? 'owner or service account no longer active'
              : null;
  return transaction(db, async (tx) => {
    if (refusal || !grant) {
      await appendAuditIn(tx, clock, {
        event: 'emergency.use_refused',
        actor: principal.actor,
        userId: grant?.service_user_id ?? null,
        details: { grantId: grant?.id ?? null, refusal: refusal ?? 'unknown token' },
      });
      return { active: false };
    }
    // Counted only while still active and in its window: an end committed meanwhile wins.
    const counted = await tx
      .updateTable('emergency_grants')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('id', '=', grant.id)
      .where('status', '=', 'active')
      .where('expires_at', '>', at)
      .executeTakeFirst();
    const active = Number(counted.numUpdatedRows) === 1;
    await appendAuditIn(tx, clock, {
      event: active ? 'emergency.used' : 'emergency.use_refused',
      actor: principal.actor,
      userId: grant.service_user_id,
      details: {
        grantId: grant.id,
        serviceAccount: grant.service_username,
        owner: grant.owner_username,
        ...(active ? {} : { refusal: 'ended meanwhile' }),
      },
    });
    if (!active) return { active: false };
    return {
      active: true,
      sub: grant.service_username,
      act: { sub: grant.owner_username },
      token_type: 'emergency_access',
      exp: seconds(grant.expires_at),
      iat: seconds(grant.activated_at ?? at),
      jti: grant.id,
      reference: displayReference(grant.reference),
    };
  });
}
