import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAccessSlice } from './access-slice';
import { createApprovalSlice } from './approval-slice';
import { createCeremonySlice } from './ceremony-slice';
import { createEmergencySlice } from './emergency-slice';
import { createDeviceSlice, DEVICE_KEY_LOST_NOTICE } from './device-slice';
import { createKioskSlice } from './kiosk-slice';
import { authenticateWhereItWorks, createNativeKeySlice } from './native-key-slice';
import { createSecuritySlice } from './security-slice';
import { watchDeadlines } from './deadline-watch';
import { createSessionSlice } from './session-slice';
import { timeSteps } from './step-timer';
import type { AppState, StoreDeps } from './types';

export type { AppState, StoreDeps } from './types';

/** One store of typed slices; a vanilla store so tests and non-React code can build their own. */
export function createAppStore(given: StoreDeps): StoreApi<AppState> {
  // Every call's answer refreshes the session's deadlines; the store exists by the time any call returns.
  const bridge = watchDeadlines(given.bridge, (deadlines) => {
    store.getState().deadlinesHeard(deadlines);
  });
  const deps: StoreDeps = {
    ...given,
    bridge,
    // Where the OS cannot ask for a security key's PIN, main signs in with the key itself.
    authenticate: authenticateWhereItWorks(given.authenticate, bridge, () => store.getState()),
  };
  const store = createStore<AppState>()((...a) => ({
    ...createSessionSlice(deps)(...a),
    ...createCeremonySlice(deps)(...a),
    ...createAccessSlice(deps)(...a),
    ...createSecuritySlice(deps)(...a),
    ...createDeviceSlice(deps)(...a),
    ...createKioskSlice(deps)(...a),
    ...createApprovalSlice(deps)(...a),
    ...createNativeKeySlice(deps)(...a),
    ...createEmergencySlice(deps)(...a),
  }));
  // Any call can be the first to find the device key gone; each slice reports it as a notice, and this one place
  // turns that notice into the key-lost screen, instead of teaching every failure path about it.
  store.subscribe((state) => {
    if (state.notice?.key === DEVICE_KEY_LOST_NOTICE) state.deviceKeyLost();
  });
  // Friction metrics: the time per screen of each enrolment session goes to the server, without anything personal.
  timeSteps(store, bridge, given.now);
  return store;
}

export const StoreContext = createContext<StoreApi<AppState> | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside StoreContext');
  return useStore(store, selector);
}
