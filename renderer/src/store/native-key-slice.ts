import type { StateCreator } from 'zustand';
import type { CredentialView } from '../../../api/enrolment';
import type { IpcFailure, IpcResult } from '../../../api/ipc';
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
        if (following !== run) return;
        if (!next.ok) return;
        seq = next.value.seq;
        set({ nativeKey: next.value, nativeKeyBusy: false });
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

      registerWithNativeKey: async (named: { name?: string }): Promise<IpcResult<CredentialView>> => {
        following += 1;
        const run = following;
        // Only states newer than the one main shows now belong to this ceremony.
        const now = await deps.bridge.nativeKeyStatus({ after: -1 });
        const after = now.ok ? now.value.seq : 0;
        set({ nativeKey: { seq: after, state: 'idle' }, nativeKeyBusy: false });
        void follow(run, after);
        try {
          return await deps.bridge.nativeRegister({ factor: 'security-key', ...named });
        } finally {
          if (following === run) {
            following += 1;
            set({ nativeKey: null, nativeKeyBusy: false });
          }
        }
      },

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
