import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createBreakGlassSlice } from './break-glass-slice';
import { createCodesSlice } from './codes-slice';
import { createEmergencySlice } from './emergency-slice';
import { createFunnelSlice } from './funnel-slice';
import { createMoversSlice } from './movers-slice';
import { createNavigationSlice } from './navigation-slice';
import { createPeopleSlice } from './people-slice';
import { createQueueSlice } from './queue-slice';
import { createSessionSlice } from './session-slice';
import type { ConsoleState, StoreDeps } from './types';

export type { ConsoleState, StoreDeps, View } from './types';

/** One store of typed slices, as the app's renderer has. */
export function createConsoleStore(deps: StoreDeps): StoreApi<ConsoleState> {
  return createStore<ConsoleState>()((...a) => ({
    ...createSessionSlice(deps)(...a),
    ...createNavigationSlice(deps)(...a),
    ...createQueueSlice(deps)(...a),
    ...createCodesSlice(deps)(...a),
    ...createPeopleSlice(deps)(...a),
    ...createFunnelSlice(deps)(...a),
    ...createEmergencySlice(deps)(...a),
    ...createMoversSlice(deps)(...a),
    ...createBreakGlassSlice(deps)(...a),
  }));
}

export const StoreContext = createContext<StoreApi<ConsoleState> | null>(null);

export function useConsole<T>(select: (state: ConsoleState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('no console store');
  return useStore(store, select);
}
