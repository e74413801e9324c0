import type { EmergencyGrantStatus, EmergencyGrantView } from '../../api/operations/emergency-access.js';
import type { Executor } from '../context.js';
import type { EmergencyGrantsTable } from '../db/schema-emergency-access.js';
import { ApiFailure } from '../errors.js';
import { displayReference, parseReference } from '../recovery/reference.js';

/** Statuses in which a grant can still become or stay usable. */
export const OPEN_STATUSES = ['requested', 'approved', 'active'] as const;

/** What a row says, read at `now`: an open grant past its end is expired even before the sweep marks it. */
export function statusAt(row: Pick<EmergencyGrantsTable, 'status' | 'expires_at'>, now: Date): EmergencyGrantStatus {
  const open = (OPEN_STATUSES as readonly string[]).includes(row.status);
  return open && row.expires_at <= now.toISOString() ? 'expired' : row.status;
}

/** Grants with the usernames they name; `narrow` adds the caller's conditions. */
export function grantsQuery(ex: Executor) {
  return ex
    .selectFrom('emergency_grants')
    .innerJoin('users as service', 'service.id', 'emergency_grants.service_user_id')
    .innerJoin('users as owner', 'owner.id', 'emergency_grants.owner_user_id')
    .selectAll('emergency_grants')
    .select(['service.username as service_username', 'owner.username as owner_username']);
}

type GrantRow = EmergencyGrantsTable & { service_username: string; owner_username: string };

export function grantView(row: GrantRow, now: Date): EmergencyGrantView {
  return {
    id: row.id,
    reference: displayReference(row.reference),
    serviceAccount: row.service_username,
    owner: row.owner_username,
    reason: row.reason,
    minutes: row.minutes,
    status: statusAt(row, now),
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by_actor,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    activatedAt: row.activated_at,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    uses: row.uses,
  };
}

/** One grant by its id or its reference as typed (any case, dash optional); `not_found` otherwise. */
export async function grantByIdOrReference(ex: Executor, typed: string, ownerId?: string): Promise<GrantRow> {
  const reference = parseReference(typed);
  let query = grantsQuery(ex).where((eb) =>
    reference
      ? eb.or([eb('emergency_grants.id', '=', typed), eb('emergency_grants.reference', '=', reference)])
      : eb('emergency_grants.id', '=', typed),
  );
  // The owner's own calls never learn of another person's grant.
  if (ownerId) query = query.where('emergency_grants.owner_user_id', '=', ownerId);
  const row = await query.executeTakeFirst();
  if (!row) throw new ApiFailure('not_found', `no emergency-access grant ${typed}`);
  return row;
}
