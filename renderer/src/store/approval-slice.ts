import type { StateCreator } from 'zustand';
import type { IpcFailure } from '../../../api/ipc';
import { endsSession, noticeFor } from './failures';
import { sessionOpened } from './session-slice';
import type { AppState, ApprovalSlice, Notice, StoreDeps } from './types';

/** Refusals with words of their own here: the generic ones speak of enrolment codes from IT. */
const APPROVAL_NOTICES: Readonly<Record<string, string>> = {
  code_invalid: 'approval.errors.code_invalid',
  code_expired: 'approval.errors.code_expired',
  code_locked: 'approval.errors.code_locked',
  approval_refused: 'approval.errors.same_computer',
  request_closed: 'approval.errors.closed',
  not_found: 'approval.errors.not_found',
  reauth_required: 'approval.errors.reauth',
};

function approvalNotice(failure: IpcFailure): Notice {
  const key = APPROVAL_NOTICES[failure.error.code];
  return key ? { tone: 'error', key } : noticeFor(failure);
}

/**
 * Device-to-device approval, both sides. The new computer asks with a username, shows the code and
 * checks until the old computer decides; an approval becomes a `replace` session that goes on to the
 * factor like any other way in. The old computer, in My security, types the code, sees which
 * computer asked and says yes or no.
 */
export const createApprovalSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], ApprovalSlice> =>
  (set, get) => ({
    approvalRequest: null,
    approvalChecking: false,
    approvalCheckedAt: null,
    approvalSessionId: null,
    approvalCandidate: null,
    approvalDecided: null,

    openNewComputer: () => {
      set({ step: 'newComputer', notice: null, busy: false, approvalRequest: null, approvalCheckedAt: null });
    },

    askForApproval: async (username) => {
      set({ busy: true, notice: null });
      const filed = await deps.bridge.fileApprovalRequest({ username });
      if (!filed.ok) {
        set({ busy: false, notice: noticeFor(filed) });
        return;
      }
      set({ busy: false, approvalRequest: filed.value, approvalCheckedAt: deps.now() });
    },

    checkApproval: async () => {
      const request = get().approvalRequest;
      if (!request || request.status !== 'pending' || get().approvalChecking) return;
      set({ approvalChecking: true });
      const status = await deps.bridge.approvalRequestStatus();
      if (!status.ok || !status.value) {
        set({ approvalChecking: false, approvalCheckedAt: deps.now(), ...(status.ok ? {} : { notice: noticeFor(status) }) });
        return;
      }
      const current = get().approvalRequest;
      if (!current) return;
      const { status: now, expiresAt } = status.value;
      if (now !== 'approved') {
        set({ approvalChecking: false, approvalCheckedAt: deps.now(), approvalRequest: { ...current, status: now, expiresAt } });
        return;
      }
      const opened = await deps.bridge.collectApproval();
      if (!opened.ok) {
        // Approved, but it can no longer be used (too late, or the approving key was removed): ask again.
        set({
          approvalChecking: false,
          approvalCheckedAt: deps.now(),
          approvalRequest: { ...current, status: 'expired' },
          notice: approvalNotice(opened),
        });
        return;
      }
      set({
        ...sessionOpened(opened.value, deps.now()),
        step: 'confirm',
        approvalChecking: false,
        approvalRequest: null,
        approvalSessionId: opened.value.id,
      });
    },

    findApproval: async (code) => {
      set({ busy: true, notice: null, approvalCandidate: null, approvalDecided: null });
      const found = await deps.bridge.findApprovalRequest({ code });
      if (!found.ok) {
        if (endsSession(found)) get().sessionLost(found);
        else set({ busy: false, notice: approvalNotice(found) });
        return;
      }
      set({ busy: false, approvalCandidate: found.value });
    },

    decideApproval: async (decision) => {
      set({ busy: true, notice: null });
      const decided = await deps.bridge.decideApprovalRequest({ decision });
      if (!decided.ok) {
        if (endsSession(decided)) get().sessionLost(decided);
        else set({ busy: false, approvalCandidate: null, notice: approvalNotice(decided) });
        return;
      }
      set({ busy: false, approvalCandidate: null, approvalDecided: decided.value.status });
    },

    resetApproval: () => {
      set({ approvalCandidate: null, approvalDecided: null, notice: null });
    },
  });
