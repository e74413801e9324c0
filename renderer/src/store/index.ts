import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAccessSlice } from './access-slice';
import { createCeremonySlice } from './ceremony-slice';
import { createSecuritySlice } from './security-slice';
import { createSessionSlice } from './session-slice';
import type { AppState, StoreDeps } from './types';

export type { AppState, StoreDeps } from './types';

/** One store of typed slices; a vanilla store so tests and non-React code can build their own. */
export function createAppStore(deps: StoreDeps): StoreApi<AppState> {
  return createStore<AppState>()((...a) => ({
    ...createSessionSlice(deps)(...a),
    ...createCeremonySlice(deps)(...a),
    ...createAccessSlice(deps)(...a),
    ...createSecuritySlice(deps)(...a),
  }));
}

export const StoreContext = createContext<StoreApi<AppState> | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside StoreContext');
  return useStore(store, selector);
}
