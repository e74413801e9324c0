import type { StateCreator } from 'zustand';
import type { SessionView } from '../../../api/enrolment';
import type { IpcResult } from '../../../api/ipc';
import type { AuthenticationPurpose } from '../../../api/security';
import { CeremonyError } from '../webauthn/ceremony';
import { noticeFor } from './failures';
import { sessionOpened } from './session-slice';
import type { AccessSlice, AppState, StoreDeps } from './types';

export const createAccessSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], AccessSlice> =>
  (set, get) => {
    /** A session opened by any way back continues exactly like an enrolment: confirm, choose, register. */
    function opened(result: IpcResult<SessionView>, next: 'confirm' | 'security' = 'confirm'): void {
      if (!result.ok) {
        set({ busy: false, notice: noticeFor(result) });
        return;
      }
      set({ ...sessionOpened(result.value, deps.now()), step: next, helpdeskRequest: null });
    }

    /** An assertion with a key the person holds; null when it did not happen (the notice says why). */
    async function signIn(username: string, purpose: AuthenticationPurpose): Promise<IpcResult<SessionView> | null> {
      set({ busy: true, notice: null });
      const options = await deps.bridge.authenticationOptions({ username, purpose });
      if (!options.ok) {
        set({ busy: false, notice: noticeFor(options) });
        return null;
      }
      let response;
      try {
        response = await deps.authenticate(options.value);
      } catch (error) {
        const failure = error instanceof CeremonyError ? error.failure : 'unknown';
        set({ busy: false, notice: { tone: 'error', key: `errors.ceremony.${failure}` } });
        return null;
      }
      return deps.bridge.authenticate({ response });
    }

    return {
      completedPurpose: null,
      helpdeskRequest: null,
      signinPurpose: 'replace',

      goTo: (step, purpose) => {
        set({ step, notice: null, busy: false, signinPurpose: purpose ?? 'replace' });
      },

      recoverWithCode: async (username, code) => {
        set({ busy: true, notice: null });
        opened(await deps.bridge.recover({ method: 'recovery-code', username, code }));
      },

      fileHelpdeskRequest: async (username) => {
        set({ busy: true, notice: null });
        const filed = await deps.bridge.fileRecoveryRequest({ username });
        if (!filed.ok) {
          set({ busy: false, notice: noticeFor(filed) });
          return;
        }
        set({ busy: false, helpdeskRequest: filed.value });
      },

      refreshHelpdeskRequest: async () => {
        const status = await deps.bridge.recoveryRequestStatus();
        if (status.ok) set({ helpdeskRequest: status.value });
      },

      recoverWithHelpdeskCode: async (code) => {
        set({ busy: true, notice: null });
        const result = await deps.bridge.recover({ method: 'helpdesk', code });
        opened(result);
        // A refusal may mean the request is over (locked, lapsed, decided): the status line then says which.
        if (!result.ok) await get().refreshHelpdeskRequest();
      },

      fileAnotherHelpdeskRequest: () => {
        set({ helpdeskRequest: null, notice: null });
      },

      signInWithKey: async (username) => {
        const purpose = get().signinPurpose;
        const session = await signIn(username, purpose);
        if (session) opened(session, purpose === 'manage' ? 'security' : 'confirm');
      },

      addBackupKey: async () => {
        const username = get().result?.user.username;
        if (!username) return;
        const session = await signIn(username, 'replace');
        if (!session) return;
        opened(session);
        // A backup is a key to carry: where the organisation allows one, go straight to it.
        if (session.ok && session.value.allowedFactors.includes('security-key')) {
          set({ step: 'ceremony', factor: 'security-key', phase: 'idle', result: null });
        }
      },

      cancelSignIn: () => {
        deps.cancelCeremony();
      },

      rebindHere: async () => {
        const purpose = get().session?.purpose ?? null;
        set({ busy: true, notice: null });
        const completed = await deps.bridge.completeSession({ rebind: true });
        if (!completed.ok) {
          get().sessionLost(completed);
          set({ busy: false, notice: noticeFor(completed) });
          return;
        }
        set({ busy: false, step: 'done', result: completed.value, session: null, completedPurpose: purpose });
      },
    };
  };
