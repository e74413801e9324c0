import type { BreakGlassCeremonyView, BreakGlassKeyLabel } from '../api/types';
import { authed, failureOf } from './authed';
import type { Failure, Slice } from './types';

/** A break-glass account's supervised ceremony, as a custodian follows it and takes part. */
export interface BreakGlassSlice {
  breakGlass: BreakGlassCeremonyView | null;
  breakGlassFailure: Failure;
  breakGlassBusy: boolean;
  loadBreakGlass: (username: string) => Promise<void>;
  /** This agent confirms they watch the open enrolment; the server insists on a sign-in minutes old. */
  superviseBreakGlass: () => Promise<Failure>;
  labelBreakGlassKey: (factorId: string, label: BreakGlassKeyLabel) => Promise<Failure>;
  forgetBreakGlass: () => void;
}

const path = (username: string) => `/v1/admin/break-glass/${encodeURIComponent(username)}`;

export const createBreakGlassSlice: Slice<BreakGlassSlice> = (deps) => (set, get) => {
  /** One change, then the ceremony as it now stands: another custodian may have acted meanwhile. */
  async function change(call: (username: string) => Promise<unknown>): Promise<Failure> {
    const username = get().breakGlass?.username;
    if (!username) return null;
    set({ breakGlassBusy: true });
    try {
      await call(username);
      set({ breakGlass: await authed<BreakGlassCeremonyView>(deps, get, set, path(username)) });
      return null;
    } catch (error) {
      return failureOf(error);
    } finally {
      set({ breakGlassBusy: false });
    }
  }

  return {
    breakGlass: null,
    breakGlassFailure: null,
    breakGlassBusy: false,
    loadBreakGlass: async (username) => {
      set({ breakGlassBusy: true, breakGlassFailure: null });
      try {
        set({ breakGlass: await authed<BreakGlassCeremonyView>(deps, get, set, path(username)) });
      } catch (error) {
        set({ breakGlass: null, breakGlassFailure: failureOf(error) });
      } finally {
        set({ breakGlassBusy: false });
      }
    },
    superviseBreakGlass: () => change((username) => authed(deps, get, set, `${path(username)}/supervision`, { method: 'POST' })),
    labelBreakGlassKey: (factorId, label) =>
      change((username) => authed(deps, get, set, `${path(username)}/keys/${encodeURIComponent(factorId)}/label`, { body: label })),
    forgetBreakGlass: () => {
      set({ breakGlass: null, breakGlassFailure: null });
    },
  };
};
