import type { StoreApi } from 'zustand/vanilla';
import type { JourneyStep, StepTimings } from '../../../api/friction';
import type { FirstKeyBridge } from '../../../api/ipc';
import type { AppState, Step } from './types';

/** The enrolment journey's screens (api/friction.ts JourneyStep): the renderer may import only types from api/. */
const JOURNEY = ['code', 'confirm', 'ceremony', 'codes'] as const satisfies readonly JourneyStep[];
/** The most visits one report may hold (api/friction.ts MAX_STEP_TIMINGS): the latest are the ones that say where it stopped. */
const MAX_VISITS = 16;

function inJourney(step: Step): step is JourneyStep {
  return (JOURNEY as readonly Step[]).includes(step);
}

/**
 * Times each screen of an enrolment session and sends the times through main when the session is
 * over: at once when it ended (timed out, abandoned, not you), or, when it completed, once the
 * recovery codes are put away. The time on the code screen before the session opened counts toward it.
 * Only steps and milliseconds leave: never what was typed. Sending is best effort and silent: it must
 * never disturb the person. Returns the function that stops timing.
 */
export function timeSteps(store: StoreApi<AppState>, bridge: FirstKeyBridge, now: () => number): () => void {
  let visits: StepTimings = [];
  let shown = { step: store.getState().step, since: now() };
  /** The enrolment session being timed. */
  let timed: string | null = null;
  /** It completed and the recovery codes are on screen: their time belongs to the report too. */
  let awaitingCodes = false;

  const send = () => {
    const sessionId = timed;
    const timings = visits.slice(-MAX_VISITS);
    timed = null;
    visits = [];
    awaitingCodes = false;
    if (!sessionId || timings.length === 0) return;
    try {
      void bridge.reportStepTimings({ sessionId, timings }).catch(() => undefined);
    } catch {
      // A bridge without the call (an older main) times nothing: the person's journey goes on.
    }
  };

  return store.subscribe((state, prev) => {
    const at = now();
    if (state.step !== prev.step) {
      if (inJourney(shown.step)) visits.push({ step: shown.step, ms: Math.max(0, Math.round(at - shown.since)) });
      shown = { step: state.step, since: at };
      if (awaitingCodes && state.step !== 'codes') send();
    }
    const session = state.session;
    if (timed === null && !awaitingCodes && session?.purpose === 'enrol') timed = session.id;
    else if (timed !== null && !awaitingCodes && session?.id !== timed) {
      if (state.step === 'codes' && state.completedPurpose === 'enrol') awaitingCodes = true;
      else send();
    }
    // Time outside an enrolment session (the ways back, a code screen after one ended) belongs to no report.
    if (timed === null && state.step !== prev.step && (state.step === 'code' || !inJourney(state.step))) visits = [];
  });
}
