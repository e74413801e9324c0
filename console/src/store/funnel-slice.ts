import type { FunnelReport } from '../api/types';
import { authed, failureOf } from './authed';
import type { FunnelSlice, Slice } from './types';

export const createFunnelSlice: Slice<FunnelSlice> = (deps) => (set, get) => ({
  funnel: null,
  funnelFailure: null,
  loadFunnel: async (since) => {
    set({ funnelFailure: null });
    try {
      set({ funnel: await authed<FunnelReport>(deps, get, set, '/v1/admin/metrics/funnel', { query: { since } }) });
    } catch (error) {
      set({ funnelFailure: failureOf(error) });
    }
  },
});
