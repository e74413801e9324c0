import { ConsoleCallError } from '../api/client';
import type { EmergencyGrantList, EmergencyGrantStatus, EmergencyGrantView } from '../api/types';
import { authed } from './authed';
import type { Slice } from './types';

/** What the report shows: every grant, or those of one status (the server filters). */
export type EmergencyFilter = EmergencyGrantStatus | 'all';

/** The decisions an admin makes on a grant; each carries a reason the audit trail keeps. */
export type EmergencyAction = 'approve' | 'deny' | 'end';

/**
 * A refusal, with the server's own words: one code (`forbidden`) covers several reasons here
 * (the owner deciding their own request, a token with no person behind it, no admin role).
 */
export type EmergencyFailure = { code: string; message: string | null } | null;

export interface EmergencySlice {
  emergencyGrants: EmergencyGrantView[];
  emergencyFilter: EmergencyFilter;
  emergencyLoading: boolean;
  emergencyFailure: EmergencyFailure;
  loadEmergencyGrants: (filter?: EmergencyFilter) => Promise<void>;
  /** The decision, and the grant as it is now; a refusal is returned, not stored, for the form that asked. */
  decideEmergency: (action: EmergencyAction, grant: EmergencyGrantView, reason: string) => Promise<EmergencyFailure>;
  /** Leaving the screen (or signing out) drops the report from memory. */
  forgetEmergencyGrants: () => void;
}

export const emergencyFailureOf = (error: unknown): NonNullable<EmergencyFailure> =>
  error instanceof ConsoleCallError ? { code: error.code, message: error.message || null } : { code: 'unknown', message: null };

export const createEmergencySlice: Slice<EmergencySlice> = (deps) => (set, get) => ({
  emergencyGrants: [],
  emergencyFilter: 'all',
  emergencyLoading: false,
  emergencyFailure: null,
  loadEmergencyGrants: async (filter = get().emergencyFilter) => {
    set({ emergencyLoading: true, emergencyFailure: null, emergencyFilter: filter });
    try {
      const answer = await authed<EmergencyGrantList>(deps, get, set, '/v1/admin/emergency-access', {
        query: filter === 'all' ? {} : { status: filter },
      });
      // An answer to an older filter that arrives late must not replace the one asked for since.
      if (get().emergencyFilter === filter) set({ emergencyGrants: answer.grants });
    } catch (error) {
      set({ emergencyGrants: [], emergencyFailure: emergencyFailureOf(error) });
    } finally {
      set({ emergencyLoading: false });
    }
  },
  decideEmergency: async (action, grant, reason) => {
    try {
      const path = `/v1/admin/emergency-access/${encodeURIComponent(grant.id)}/${action}`;
      const updated = await authed<EmergencyGrantView>(deps, get, set, path, { body: { reason } });
      // The grant stays where it was, in its new state, even under a filter it no longer matches:
      // the admin sees what their decision did; a refresh applies the filter again.
      set({ emergencyGrants: get().emergencyGrants.map((g) => (g.id === updated.id ? updated : g)) });
      return null;
    } catch (error) {
      return emergencyFailureOf(error);
    }
  },
  forgetEmergencyGrants: () => {
    set({ emergencyGrants: [], emergencyFailure: null, emergencyFilter: 'all' });
  },
});
