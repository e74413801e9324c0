import type { StateCreator } from 'zustand';
import type { IpcFailure } from '../../../api/ipc';
import { endsSession, noticeFor } from './failures';
import type { AppState, SecuritySlice, StoreDeps } from './types';

/** "My security": the factors and devices of a `manage` session, opened by signing in with a key. */
export const createSecuritySlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SecuritySlice> =>
  (set, get) => {
    function fail(failure: IpcFailure): void {
      if (endsSession(failure)) get().sessionLost(failure);
      else set({ busy: false, notice: noticeFor(failure) });
    }

    async function reload(): Promise<void> {
      const overview = await deps.bridge.securityOverview();
      if (!overview.ok) {
        fail(overview);
        return;
      }
      set({ overview: overview.value, busy: false });
    }

    return {
      overview: null,

      loadOverview: async () => {
        set({ busy: true });
        await reload();
      },

      renameFactor: async (id, name) => {
        set({ busy: true, notice: null });
        const renamed = await deps.bridge.renameFactor({ id, name });
        if (!renamed.ok) {
          fail(renamed);
          return false;
        }
        await reload();
        return true;
      },

      removeFactor: async (id) => {
        set({ busy: true, notice: null });
        const removed = await deps.bridge.removeFactor({ id });
        if (!removed.ok) {
          fail(removed);
          return;
        }
        set({ notice: { tone: 'info', key: 'security.removed' } });
        await reload();
      },

      removeDevice: async (id) => {
        set({ busy: true, notice: null });
        const removed = await deps.bridge.removeDevice({ id });
        if (!removed.ok) {
          fail(removed);
          return;
        }
        set({ notice: { tone: 'info', key: 'security.deviceRemoved' } });
        await reload();
      },

      regenerateCodes: async () => {
        set({ busy: true, notice: null });
        const fresh = await deps.bridge.regenerateRecoveryCodes();
        if (!fresh.ok) {
          fail(fresh);
          return;
        }
        set({ busy: false, recoveryCodes: fresh.value.recoveryCodes, afterCodes: 'security', step: 'codes' });
        await reload();
      },

      // The same screen as after an enrolment code, without the "Is this you?": the key just used said so.
      addKey: () => {
        set({ step: 'confirm', factor: null, notice: null });
      },

      backToSecurity: () => {
        set({ step: 'security', notice: null });
      },

      finishManaging: async () => {
        await deps.bridge.endSession();
        set({ step: 'code', session: null, overview: null, notice: null });
      },
    };
  };
