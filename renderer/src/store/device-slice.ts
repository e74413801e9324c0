import type { StateCreator } from 'zustand';
import type { DeviceKeyStatus } from '../../../api/ipc';
import { noticeFor } from './failures';
import type { AppState, DeviceSlice, Notice, StoreDeps } from './types';

/** The notice any call's device_key_lost failure turns into; the store moves to the key-lost screen on seeing it. */
export const DEVICE_KEY_LOST_NOTICE = 'errors.api.device_key_lost';

/** Why a new key could not be made: the keychain's own guidance, or the generic words. */
function notReadyNotice(status: Exclude<DeviceKeyStatus, 'ready'>): Notice {
  return { tone: 'error', key: status === 'keychain_unavailable' ? 'errors.api.keychain_unavailable' : 'errors.api.generic' };
}

/** Steps where a link's code can simply be put in the code field: nothing in progress would be lost. */
const IDLE_STEPS: ReadonlySet<AppState['step']> = new Set(['code', 'done']);

/** This computer: its device key, and `firstkey://` links that arrive while the app runs. */
export const createDeviceSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], DeviceSlice> =>
  (set, get) => ({
    pendingLink: null,

    keychainProblem: null,

    checkDeviceKey: async () => {
      const status = await deps.bridge.deviceKeyStatus();
      if (!status.ok) return;
      if (status.value === 'device_key_lost') {
        get().deviceKeyLost();
        return;
      }
      // Said at start, before anyone types a code that the missing keychain would then waste.
      set({ keychainProblem: status.value === 'ready' ? null : status.value });
    },

    deviceKeyLost: () => {
      if (get().phase === 'waiting') deps.cancelCeremony();
      // A station's lost key is the operator's business (register the station again), not the ways back of a person.
      if (get().kiosk) {
        set({ session: null, confirmation: null, factor: null, phase: 'idle', busy: false, notice: null });
        void get().loadStation();
        return;
      }
      set({ step: 'keyLost', session: null, factor: null, phase: 'idle', busy: false, notice: null, pendingLink: null });
    },

    replaceKeyAndGo: async (next) => {
      set({ busy: true, notice: null });
      const replaced = await deps.bridge.replaceDeviceKey();
      if (!replaced.ok) {
        set({ busy: false, notice: noticeFor(replaced) });
        return;
      }
      if (replaced.value !== 'ready') {
        set({ busy: false, notice: notReadyNotice(replaced.value) });
        return;
      }
      const launchCode = get().launchCode;
      set({
        step: next,
        busy: false,
        signinPurpose: 'replace',
        notice: next === 'code' && launchCode ? { tone: 'info', key: 'code.fromLink' } : null,
      });
    },

    receiveLink: (code) => {
      // A station takes codes only after the operator step, typed by the person in front of it.
      if (get().kiosk) return;
      const { step, session } = get();
      if (session === null && IDLE_STEPS.has(step)) {
        set({ step: 'code', launchCode: code, result: null, completedPurpose: null, notice: { tone: 'info', key: 'code.fromLink' } });
      } else if (step === 'keyLost') {
        // The key comes first; the code waits in the field for when the person gets there.
        set({ launchCode: code });
      } else {
        set({ pendingLink: code });
      }
    },

    acceptPendingLink: async () => {
      const code = get().pendingLink;
      if (code === null) return;
      if (get().phase === 'waiting') deps.cancelCeremony();
      await get().startOver();
      set({ pendingLink: null, launchCode: code, recoveryCodes: null, notice: { tone: 'info', key: 'code.fromLink' } });
    },

    keepCurrentWork: () => {
      set({ pendingLink: null });
    },

    exportDiagnostics: async () => {
      const exported = await deps.bridge.exportDiagnostics();
      if (!exported.ok) return 'failed';
      return exported.value.saved ? 'saved' : 'cancelled';
    },

    watchLinks: () => {
      // Read through a function: the loop must see what the returned stop function writes later, across awaits.
      const run = { stopped: false };
      const stopped = (): boolean => run.stopped;
      void (async () => {
        while (!stopped()) {
          const arrived = await deps.bridge.waitForLaunchCode();
          // false: a newer wait (a remount) took over; a failure: main cannot tell us, so stop rather than spin.
          if (stopped() || !arrived.ok || !arrived.value) return;
          const taken = await deps.bridge.takeLaunchCode();
          if (taken.ok && taken.value) get().receiveLink(taken.value);
        }
      })();
      return () => {
        run.stopped = true;
      };
    },
  });
