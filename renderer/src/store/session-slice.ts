import type { StateCreator } from 'zustand';
import type { SessionDeadlines, SessionView } from '../../../api/enrolment';
import { endsSession, noticeFor } from './failures';
import type { AppState, Notice, SessionSlice, StoreDeps } from './types';

/** The state every way of opening a session leads to; time left is measured on the server's clock. */
export function sessionOpened(session: SessionView, now: number) {
  const { lifetimeEndsAt, idleEndsAt, serverTime } = session;
  return { busy: false, notice: null, session, ...deadlinesState({ lifetimeEndsAt, idleEndsAt, serverTime }, now) };
}

function deadlinesState(deadlines: SessionDeadlines, now: number) {
  return { deadlines, clockOffsetMs: Date.parse(deadlines.serverTime) - now };
}

/**
 * What the person is told when their time ran out: an enrolment code opens a new session from this
 * computer after a timeout, within its own expiry (server/enrolment/code-reopening.ts), so they type
 * it again, or, once it expired, ask for a new one; elsewhere (recovery, sign-in) they start that way again.
 */
export function timeoutNotice(session: SessionView | null, serverNow: number): Notice {
  if (session?.purpose !== 'enrol') return { tone: 'error', key: 'errors.timeout.other' };
  const reopens = session.codeReopensUntil !== undefined && Date.parse(session.codeReopensUntil) > serverNow;
  return { tone: 'error', key: reopens ? 'errors.timeout.enrol' : 'errors.timeout.enrolCodeExpired' };
}

export const createSessionSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => ({
    step: 'code',
    session: null,
    clockOffsetMs: 0,
    deadlines: null,
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
      // Saying it is not you is not a failure: the app stopped as asked, so no 'That did not work' over it.
      set({ step: 'code', session: null, notice: { tone: 'info', key: 'confirm.notYou' } });
    },

    deadlinesHeard: (deadlines) => {
      const known = get().deadlines;
      // A slower answer from before must not move the ends back.
      if (known && deadlines.serverTime < known.serverTime) return;
      set(deadlinesState(deadlines, deps.now()));
    },

    timedOut: async () => {
      const session = get().session;
      if (!session) return;
      // The server would end it too, but only when next asked: ending it now leaves nothing half-open behind.
      const failure = { ok: false, error: { code: 'session_expired', message: 'the time ran out' } } as const;
      if (get().kiosk) {
        await deps.bridge.endSession();
        get().sessionLost(failure);
        return;
      }
      await deps.bridge.endSession();
      const notice = timeoutNotice(session, deps.now() + get().clockOffsetMs);
      set({ step: 'code', session: null, deadlines: null, factor: null, phase: 'idle', busy: false, notice });
    },

    sessionLost: (failure) => {
      if (!endsSession(failure)) return;
      if (failure.error.code === 'session_expired' && !get().kiosk) {
        const notice = timeoutNotice(get().session, deps.now() + get().clockOffsetMs);
        set({ step: 'code', session: null, factor: null, phase: 'idle', busy: false, notice });
        return;
      }
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
