import type { IssueCodeResponse } from '../api/types';
import { authed, failureOf } from './authed';
import type { CodesSlice, Slice } from './types';

export const createCodesSlice: Slice<CodesSlice> = (deps) => (set, get) => ({
  issued: null,
  codeFailure: null,
  issuing: false,
  issueCode: async (username) => {
    set({ issuing: true, codeFailure: null, issued: null });
    try {
      const answer = await authed<IssueCodeResponse>(deps, get, set, '/v1/admin/enrolment-codes', { body: { username } });
      set({ issued: { ...answer, username } });
    } catch (error) {
      set({ codeFailure: failureOf(error) });
    } finally {
      set({ issuing: false });
    }
  },
  // Shown once: leaving the screen drops it from memory.
  forgetCode: () => {
    set({ issued: null, codeFailure: null });
  },
});
