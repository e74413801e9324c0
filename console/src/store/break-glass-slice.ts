import type { BreakGlassCeremonyView, BreakGlassKeyLabel } from '../api/types';
import { authed, failureOf } from './authed';
import type { Failure, Slice } from './types';

/** A break-glass account's supervised ceremony, as a custodian follows it and takes part. */
export interface BreakGlassSlice {
  breakGlass: BreakGlassCeremonyView | null;
  breakGlassFailure: Failure;
  breakGlassBusy: boolean;
  loadBreakGlass: (username: string) => Promise<void>;
  /** This agent confirms they watch the enrolment whose reference the key holder read out; the server insists on a sign-in minutes old. */
  superviseBreakGlass: (reference: string) => Promise<Failure>;
  labelBreakGlassKey: (factorId: string, label: BreakGlassKeyLabel) => Promise<Failure>;
  /** Reads the ceremony again without a busy state; what is shown stays if it cannot be read. */
  refreshBreakGlass: () => Promise<void>;
  forgetBreakGlass: () => void;
}

const path = (username: string) => `/v1/admin/break-glass/${encodeURIComponent(username)}`;

export const createBreakGlassSlice: Slice<BreakGlassSlice> = (deps) => (set, get) => {
  /** The ceremony as it now stands; what was shown stays if it cannot be read (the failure is the change's to say). */
  async function reload(username: string): Promise<void> {
    try {
      set({ breakGlass: await authed<BreakGlassCeremonyView>(deps, get, set, path(username)) });
    } catch {
      // The change's own refusal is what the custodian reads; a failed re-read adds nothing to it.
    }
  }

  /**
   * One change, then the ceremony as it now stands, refused or not: another custodian may have acted
   * meanwhile, or the session may have changed, and a refusal read against a stale page misleads.
   */
  async function change(call: (view: BreakGlassCeremonyView) => Promise<unknown>): Promise<Failure> {
    const view = get().breakGlass;
    if (!view) return null;
    set({ breakGlassBusy: true });
    try {
      await call(view);
      return null;
    } catch (error) {
      return failureOf(error);
    } finally {
      await reload(view.username);
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
    superviseBreakGlass: (reference) =>
      change((view) => authed(deps, get, set, `${path(view.username)}/supervision`, { body: { reference } })),
    labelBreakGlassKey: (factorId, label) =>
      change((view) => authed(deps, get, set, `${path(view.username)}/keys/${encodeURIComponent(factorId)}/label`, { body: label })),
    refreshBreakGlass: async () => {
      const view = get().breakGlass;
      if (view && !get().breakGlassBusy) await reload(view.username);
    },
    forgetBreakGlass: () => {
      set({ breakGlass: null, breakGlassFailure: null });
    },
  };
};
