import type { MoveView } from '../api/types';
import { authed, failureOf } from './authed';
import type { MoversSlice, Slice } from './types';

export const createMoversSlice: Slice<MoversSlice> = (deps) => (set, get) => ({
  move: null,
  moveFailure: null,
  changeRole: async (username, body) => {
    set({ move: null, moveFailure: null });
    try {
      const move = await authed<MoveView>(deps, get, set, `/v1/admin/people/${encodeURIComponent(username)}/role`, { body });
      set({ move });
      // The person's tier and factors changed: show them as they now are.
      await get().lookUp(username);
      return true;
    } catch (error) {
      set({ moveFailure: failureOf(error) });
      return false;
    }
  },
});
