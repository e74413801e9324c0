import type { NavigationSlice, Slice } from './types';

export const createNavigationSlice: Slice<NavigationSlice> = () => (set) => ({
  view: 'queue',
  requestId: null,
  // A one-time code on screen is dropped when the agent moves on.
  go: (view) => {
    set({ view, requestId: null, decision: null, decisionFailure: null, issued: null });
  },
  openRequest: (id) => {
    set({ view: 'request', requestId: id, decision: null, decisionFailure: null });
  },
});
