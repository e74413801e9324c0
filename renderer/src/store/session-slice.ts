import type { StateCreator } from 'zustand';
import type { SessionView } from '../../../api/enrolment';
import { endsSession, noticeFor } from './failures';
import type { AppState, SessionSlice, StoreDeps } from './types';

/** The state every way of opening a session leads to; time left is measured on the server's clock. */
export function sessionOpened(session: SessionView, now: number) {
  return { busy: false, notice: null, session, clockOffsetMs: Date.parse(session.serverTime) - now };
}

export const createSessionSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => ({
    step: 'code',
    session: null,
    clockOffsetMs: 0,
    notice: null,
    busy: false,
    launchCode: null,

    loadLaunchCode: async () => {
      const result = await deps.bridge.takeLaunchCode();
      if (result.ok && result.value) set({ launchCode: result.value, notice: { tone: 'info', key: 'code.fromLink' } });
    },

    submitCode: async (code) => {
      if (!code.trim()) {
        set({ notice: { tone: 'error', key: 'errors.validation.codeRequired' } });
        return;
      }
      set({ busy: true, notice: null });
      const result = await deps.bridge.startSession({ code });
      if (!result.ok) {
        set({ busy: false, notice: noticeFor(result) });
        return;
      }
      set({ ...sessionOpened(result.value, deps.now()), step: 'confirm', launchCode: null });
    },

    rejectIdentity: async () => {
      if (get().kiosk) {
        await get().resetStation();
        return;
      }
      await deps.bridge.endSession();
      set({ step: 'code', session: null, notice: { tone: 'error', key: 'confirm.notYou' } });
    },

    sessionLost: (failure) => {
      if (!endsSession(failure)) return;
      // On a kiosk the person's turn is over: back to the operator, with the reason, and nothing of them kept.
      if (get().kiosk) {
        set({ step: 'operator', session: null, confirmation: null, factor: null, phase: 'idle', busy: false, notice: noticeFor(failure) });
        return;
      }
      set({ step: 'code', session: null, factor: null, phase: 'idle', busy: false, notice: noticeFor(failure) });
    },

    startOver: async () => {
      if (get().kiosk) {
        await get().resetStation();
        return;
      }
      if (get().session) await deps.bridge.endSession();
      set({ step: 'code', session: null, factor: null, phase: 'idle', result: null, notice: null, completedPurpose: null });
    },
  });
