import type { ChecklistItem, HelpdeskRequestView, RecoveryApprovalResponse } from '../api/types';
import { authed, failureOf } from './authed';
import type { QueueSlice, Slice } from './types';

interface QueueAnswer {
  requests: HelpdeskRequestView[];
  /** The policy's identity check, when the server sends it with the queue. */
  checklist?: ChecklistItem[];
}

export const createQueueSlice: Slice<QueueSlice> = (deps) => (set, get) => {
  const decide = async (kind: 'approve' | 'deny', request: HelpdeskRequestView, reason: string, checklist: string[]) => {
    set({ deciding: true, decisionFailure: null, decision: null });
    try {
      const body = { username: request.username, reason, checklist };
      const path = `/v1/admin/recovery-requests/${encodeURIComponent(request.id)}/${kind}`;
      const answer =
        kind === 'approve'
          ? await authed<RecoveryApprovalResponse>(deps, get, set, path, { body })
          : { request: await authed<HelpdeskRequestView>(deps, get, set, path, { body }) };
      set({ decision: answer, requests: get().requests.map((r) => (r.id === answer.request.id ? answer.request : r)) });
    } catch (error) {
      set({ decisionFailure: failureOf(error) });
    } finally {
      set({ deciding: false });
    }
  };
  return {
    requests: [],
    checklist: [],
    queueLoading: false,
    queueFailure: null,
    decision: null,
    decisionFailure: null,
    deciding: false,
    loadQueue: async () => {
      set({ queueLoading: true, queueFailure: null });
      try {
        const answer = await authed<QueueAnswer>(deps, get, set, '/v1/admin/recovery-requests');
        set({ requests: answer.requests, ...(answer.checklist ? { checklist: answer.checklist } : {}) });
        if (!answer.checklist) {
          const me = await authed<{ checklist?: ChecklistItem[] }>(deps, get, set, '/v1/console/me');
          set({ checklist: me.checklist ?? [] });
        }
      } catch (error) {
        set({ queueFailure: failureOf(error) });
      } finally {
        set({ queueLoading: false });
      }
    },
    approve: (request, reason, checklist) => decide('approve', request, reason, checklist),
    deny: (request, reason, checklist) => decide('deny', request, reason, checklist),
  };
};
