import type { BreakGlassCeremonyKey } from '../../api/operations/break-glass.js';
import type { Executor } from '../context.js';
import { listedAuthenticatorName } from '../attestation/names.js';

/**
 * A break-glass account's keys as its custodians label them: those already in use, then those the open
 * session added, each oldest first, so the order matches the order the keys were touched in. Status
 * comes first because a key in use was always touched in an earlier session, while two timestamps
 * can be equal (a clock of whole milliseconds, or a test's frozen one).
 */
export async function ceremonyKeys(ex: Executor, userId: string, sessionId: string | null): Promise<BreakGlassCeremonyKey[]> {
  const rows = await ex
    .selectFrom('credentials')
    .leftJoin('break_glass_keys', 'break_glass_keys.credential_id', 'credentials.id')
    .select([
      'credentials.id',
      'credentials.status',
      'credentials.aaguid',
      'credentials.authenticator_name',
      'credentials.created_at',
      'break_glass_keys.custodian',
      'break_glass_keys.location',
    ])
    .where('credentials.user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('credentials.status', '=', 'active'),
        ...(sessionId ? [eb.and([eb('credentials.status', '=', 'pending'), eb('credentials.session_id', '=', sessionId)])] : []),
      ]),
    )
    .orderBy((eb) => eb.case().when('credentials.status', '=', 'active').then(0).else(1).end())
    .orderBy('credentials.created_at')
    .orderBy('credentials.id')
    .execute();
  return rows.map((r) => ({
    factorId: r.id,
    status: r.status === 'active' ? 'active' : 'pending',
    model: r.authenticator_name ?? listedAuthenticatorName(r.aaguid),
    addedAt: r.created_at,
    custodian: r.custodian ?? null,
    location: r.location ?? null,
  }));
}
