import type { StateCreator } from 'zustand';
import type { KioskStationState, PinVerdict } from '../../../api/ipc';
import type { OperatorCheck } from '../../../api/kiosk';
import { CeremonyError } from '../webauthn/ceremony';
import { noticeFor } from './failures';
import type { AppState, KioskSlice, Notice, StoreDeps, Step } from './types';

/**
 * Where a kiosk starts: serving new hires only when the server knows the station and it has an operator
 * PIN; right after the operator registered it, the first PIN; otherwise the screen that says what is wrong.
 */
function startStep(station: KioskStationState): Step | null {
  if (!station.kiosk) return null;
  if (station.registration !== 'registered') return 'station';
  if (station.operatorPin === 'set') return 'operator';
  return station.operatorPin === 'choose' ? 'operatorPanel' : 'station';
}

/** What the operator panel needs to know of the PIN, from the station's state. */
function pinSetIn(station: KioskStationState): boolean | null {
  return station.kiosk ? station.operatorPin === 'set' : null;
}

/** A refused PIN: how many tries are left, or how long the station waits. */
function pinNotice(verdict: Exclude<PinVerdict, { ok: true }>, now: number): Notice {
  if (verdict.lockedUntil) {
    const minutes = Math.max(1, Math.ceil((Date.parse(verdict.lockedUntil) - now) / 60_000));
    return { tone: 'error', key: 'kiosk.pin.locked', values: { count: minutes } };
  }
  if (verdict.attemptsLeft === 0) return { tone: 'error', key: 'kiosk.pin.lockedForGood' };
  return { tone: 'error', key: 'kiosk.pin.wrong', values: { count: verdict.attemptsLeft } };
}

/** What the operator must have checked before confirming anyone: the photo ID, and that the name matches. */
const REQUIRED_CHECKS: readonly OperatorCheck[] = ['photo_id', 'name_matches'];

/** A new PIN the gate or the host refused: say what a PIN must be. */
const PIN_REFUSALS: Partial<Record<string, string>> = { bad_payload: 'kiosk.pin.format', pin_too_simple: 'kiosk.pin.tooSimple' };

export const createKioskSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], KioskSlice> =>
  (set, get) => ({
    station: null,
    kiosk: false,
    confirmation: null,
    pinSet: null,
    operatorUnlocked: false,

    loadStation: async () => {
      const result = await deps.bridge.stationStatus();
      // An app that cannot say what it is might be a station: it never falls back to the personal app's screens.
      if (!result.ok) {
        set({ station: null, kiosk: true, step: 'stationError', notice: null });
        return;
      }
      const station = result.value;
      const step = startStep(station);
      set(step ? { station, kiosk: true, step, pinSet: pinSetIn(station), notice: null } : { station, kiosk: false });
    },

    registerStation: async (code) => {
      if (!code.trim()) {
        set({ notice: { tone: 'error', key: 'kiosk.station.codeRequired' } });
        return;
      }
      set({ busy: true, notice: null });
      const result = await deps.bridge.registerStation({ code });
      if (!result.ok) {
        set({ busy: false, notice: noticeFor(result) });
        return;
      }
      set({ busy: false, station: result.value, pinSet: pinSetIn(result.value), step: startStep(result.value) ?? 'station' });
    },

    replaceStationKey: async () => {
      set({ busy: true, notice: null });
      const replaced = await deps.bridge.replaceDeviceKey();
      if (!replaced.ok) {
        set({ busy: false, notice: noticeFor(replaced) });
        return;
      }
      set({ busy: false });
      await get().loadStation();
    },

    confirmNewHire: async (operator, newHire, checks) => {
      if (!operator.trim() || !newHire.trim()) {
        set({ notice: { tone: 'error', key: 'kiosk.operator.namesRequired' } });
        return;
      }
      // The server's rule (REQUIRED_OPERATOR_CHECKS in api/kiosk.ts, not importable here): said before the operator's key is asked.
      if (!REQUIRED_CHECKS.every((check) => checks.includes(check))) {
        set({ notice: { tone: 'error', key: 'kiosk.operator.checkRequired' } });
        return;
      }
      set({ busy: true, notice: null });
      const options = await deps.bridge.operatorOptions({ operator });
      if (!options.ok) {
        set({ busy: false, notice: noticeFor(options) });
        return;
      }
      let response;
      try {
        response = await deps.authenticate(options.value);
      } catch (error) {
        const failure = error instanceof CeremonyError ? error.failure : 'unknown';
        // The browser says only "cancelled" when no key of this operator answered (a wrong username, or not an operator).
        const key = failure === 'cancelled' ? 'kiosk.operator.notConfirmed' : `errors.ceremony.${failure}`;
        set({ busy: false, notice: { tone: 'error', key } });
        return;
      }
      const confirmed = await deps.bridge.confirmNewHire({ response, newHire, checks });
      if (!confirmed.ok) {
        set({ busy: false, notice: noticeFor(confirmed) });
        return;
      }
      set({ busy: false, confirmation: confirmed.value, step: 'turn', notice: null });
    },

    printCodes: async () => {
      const result = await deps.bridge.printRecoveryCodes();
      if (!result.ok) return 'failed';
      return result.value.printed ? 'printed' : 'not_printed';
    },

    resetStation: async () => {
      if (get().phase === 'waiting') deps.cancelCeremony();
      // Cleared here too, so nothing of the person stays on screen while main wipes and reloads the window.
      set({
        step: 'operator',
        session: null,
        result: null,
        recoveryCodes: null,
        confirmation: null,
        factor: null,
        phase: 'idle',
        busy: false,
        notice: null,
        operatorUnlocked: false,
        completedPurpose: null,
      });
      await deps.bridge.resetStation();
    },

    openOperatorPanel: async () => {
      const status = await deps.bridge.operatorPinStatus();
      set({ step: 'operatorPanel', operatorUnlocked: false, pinSet: status.ok ? status.value.set : null, notice: null });
    },

    unlockOperator: async (pin) => {
      set({ busy: true, notice: null });
      const verdict = await deps.bridge.verifyOperatorPin({ pin });
      if (!verdict.ok) {
        set({ busy: false, notice: noticeFor(verdict) });
        return;
      }
      if (!verdict.value.ok) {
        set({ busy: false, notice: pinNotice(verdict.value, deps.now()) });
        return;
      }
      const station = await deps.bridge.stationStatus();
      set({ busy: false, operatorUnlocked: true, ...(station.ok ? { station: station.value } : {}) });
    },

    setOperatorPin: async (pin) => {
      set({ busy: true, notice: null });
      const result = await deps.bridge.setOperatorPin({ pin });
      if (!result.ok) {
        const pinWords = PIN_REFUSALS[result.error.code];
        set({ busy: false, notice: pinWords ? { tone: 'error', key: pinWords } : noticeFor(result) });
        return false;
      }
      set({ busy: false, pinSet: true, notice: { tone: 'info', key: 'kiosk.pin.saved' } });
      return true;
    },

    exitKiosk: async () => {
      const result = await deps.bridge.exitKiosk();
      if (!result.ok) set({ notice: noticeFor(result) });
    },
  });
