import type { Executor } from '../context.js';

/**
 * Refuses (ApiFailure) when the user has left: deactivated over SCIM or by import, or past a
 * contractor's end date. Every way in (codes, sessions, sign-ins, the console) asks this first.
 */
export async function assertUserActive(_db: Executor, _userId: string): Promise<void> {
  // Filled by the provisioning work (server/scim/), which adds the user's state.
}
