import type { EmergencyGrantStatus, EmergencyGrantView } from '../api/types';

/** Every status, in the order a decider cares about them: what waits for them first, then what is live. */
export const EMERGENCY_STATUSES = [
  'requested',
  'approved',
  'active',
  'ended',
  'expired',
  'denied',
] as const satisfies readonly EmergencyGrantStatus[];

/** The server records decisions as `account:<username>`; people read the username. */
export function actorName(actor: string): string {
  return actor.startsWith('account:') ? actor.slice('account:'.length) : actor;
}

/** Requests waiting for a decision first (oldest first: the longest wait), then the rest as the server sent them (newest first). */
export function waitingFirst(grants: readonly EmergencyGrantView[]): EmergencyGrantView[] {
  const waiting = grants.filter((g) => g.status === 'requested').sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  return [...waiting, ...grants.filter((g) => g.status !== 'requested')];
}

/** What an admin may still do to a grant: decide a request, or end a window that is open. */
export function actionsFor(status: EmergencyGrantStatus): ('approve' | 'deny' | 'end')[] {
  if (status === 'requested') return ['approve', 'deny'];
  if (status === 'approved' || status === 'active') return ['end'];
  return [];
}
