import type { StateCreator } from 'zustand';
import type { FirstKeyBridge, IpcFailure } from '../../../api/ipc';
import type { AuthenticationResponseJSON, RequestOptionsJSON } from '../../../api/webauthn';
import { CeremonyError, type CeremonyFailure } from '../webauthn/ceremony';
import type { AppState, NativeKeySlice, Notice, StoreDeps } from './types';

/**
 * FirstKey's own security-key ceremony, seen from the page: main runs it (electron/main/native-webauthn)
 * and says what the person must do; the page shows that and sends the PIN. The PIN is read from the
 * form when it is sent and never kept here.
 */
export const createNativeKeySlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], NativeKeySlice> =>
  (set, get) => {
    /** The ceremony the page follows now; a newer one (or none) stops the older loop. */
    let following = 0;

    async function follow(run: number, after: number): Promise<void> {
      let seq = after;
      while (following === run) {
        const next = await deps.bridge.nativeKeyStatus({ after: seq });
        if (following !== run || !next.ok) return;
        seq = next.value.seq;
        set({ nativeKey: next.value, nativeKeyBusy: false });
      }
    }

    /** Runs one of main's ceremonies while the page follows its states; the page shows them until it settles. */
    async function followed<T>(ceremony: () => Promise<T>): Promise<T> {
      following += 1;
      const run = following;
      // Only states newer than the one main shows now belong to this ceremony.
      const now = await deps.bridge.nativeKeyStatus({ after: -1 });
      const after = now.ok ? now.value.seq : 0;
      set({ nativeKey: { seq: after, state: 'idle' }, nativeKeyBusy: false });
      void follow(run, after);
      try {
        return await ceremony();
      } finally {
        if (following === run) {
          following += 1;
          set({ nativeKey: null, nativeKeyBusy: false });
        }
      }
    }

    return {
      computer: null,
      nativeKey: null,
      nativeKeyBusy: false,

      loadComputer: async () => {
        const answer = await deps.bridge.computerCapabilities();
        if (answer.ok) set({ computer: answer.value });
      },

      registerWithNativeKey: (named) => followed(() => deps.bridge.nativeRegister({ factor: 'security-key', ...named })),

      assertWithNativeKey: () => followed(() => deps.bridge.nativeAuthenticate()),

      submitKeyPin: async (pin) => {
        set({ nativeKeyBusy: true });
        const sent = await deps.bridge.nativeKeySubmitPin({ pin });
        if (!sent.ok) set({ nativeKeyBusy: false });
      },

      setKeyPin: async (pin) => {
        set({ nativeKeyBusy: true });
        const sent = await deps.bridge.nativeKeySetPin({ pin });
        if (!sent.ok) set({ nativeKeyBusy: false });
      },

      cancelNativeKey: () => {
        if (get().nativeKey) void deps.bridge.nativeKeyCancel();
      },
    };
  };

/** Main's ceremony ended without a key: the words for it (the browser path's where the cause is the same). */
const NATIVE_NOTICES: Readonly<Record<string, string>> = {
  key_cancelled: 'errors.ceremony.cancelled',
  key_already_registered: 'errors.ceremony.already_registered',
  key_no_user_verification: 'errors.ceremony.no_user_verification',
  key_wrong_origin: 'errors.ceremony.wrong_origin',
  key_not_supported: 'errors.nativeKey.not_supported',
  key_not_accessible: 'errors.nativeKey.key_not_accessible',
  key_pin_change_required: 'errors.nativeKey.pin_change_required',
  key_removed: 'errors.nativeKey.key_removed',
  key_timeout: 'errors.nativeKey.timeout',
  key_not_registered: 'errors.nativeKey.not_registered',
  key_pin_blocked: 'errors.nativeKey.pin_blocked',
  key_pin_auth_blocked: 'errors.nativeKey.pin_auth_blocked',
  key_error: 'errors.nativeKey.key_error',
};

export function nativeKeyNotice(failure: IpcFailure): Notice | null {
  const key = NATIVE_NOTICES[failure.error.code];
  return key ? { tone: 'error', key } : null;
}

/** Main's outcomes as the browser path's failures, for the slices that sign in with a key. */
const AS_CEREMONY_FAILURE: Readonly<Record<string, CeremonyFailure>> = {
  key_cancelled: 'cancelled',
  key_no_user_verification: 'no_user_verification',
  key_wrong_origin: 'wrong_origin',
  key_not_supported: 'not_supported',
  key_not_accessible: 'key_not_accessible',
  key_pin_change_required: 'pin_change_required',
  key_removed: 'key_removed',
  key_timeout: 'timeout',
  key_not_registered: 'not_registered',
  key_pin_blocked: 'pin_blocked',
  key_pin_auth_blocked: 'pin_auth_blocked',
};

/**
 * `deps.authenticate` where main may have to do it: for the assertion options main holds, it says
 * which path works on this computer; its own ceremony answers like the browser's, failures as
 * CeremonyError, so signing in with a key and an operator's confirmation need no branch of their own.
 */
export function authenticateWhereItWorks(
  browser: (options: RequestOptionsJSON) => Promise<AuthenticationResponseJSON>,
  bridge: FirstKeyBridge,
  state: () => AppState,
): (options: RequestOptionsJSON) => Promise<AuthenticationResponseJSON> {
  return async (options) => {
    const path = await bridge.ceremonyPath({ ceremony: 'authentication' });
    if (!path.ok || path.value !== 'native') return browser(options);
    const asserted = await state().assertWithNativeKey();
    if (asserted.ok) return asserted.value;
    throw new CeremonyError(AS_CEREMONY_FAILURE[asserted.error.code] ?? 'unknown');
  };
}
