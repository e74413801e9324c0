import type { StateCreator } from 'zustand';
import type { IpcFailure } from '../../../api/ipc';
import { CeremonyError } from '../webauthn/ceremony';
import { endsSession, noticeFor } from './failures';
import { nativeKeyNotice } from './native-key-slice';
import type { AppState, CeremonySlice, StoreDeps } from './types';

export const createCeremonySlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], CeremonySlice> =>
  (set, get) => {
    function fail(failure: IpcFailure): void {
      if (endsSession(failure)) get().sessionLost(failure);
      else set({ phase: 'failed', notice: noticeFor(failure) });
    }

    /** The key is registered (by the page or by main): the session completes, then the codes or the last screen. */
    async function complete(): Promise<void> {
      const purpose = get().session?.purpose ?? null;
      const completed = await deps.bridge.completeSession();
      if (!completed.ok) {
        fail(completed);
        return;
      }
      const codes = completed.value.recoveryCodes?.length ? completed.value.recoveryCodes : null;
      set({
        phase: 'idle',
        step: codes ? 'codes' : 'done',
        // Kept apart from the result so they can be forgotten the moment the person has saved them.
        result: { ...completed.value, recoveryCodes: undefined },
        recoveryCodes: codes,
        afterCodes: 'done',
        session: null,
        notice: null,
        completedPurpose: purpose,
        keyName: null,
      });
    }

    /**
     * The name typed for this person's next key, trimmed; nothing when they kept the default. Bound to
     * the person, not the session: the backup key is named on the last screen, before its session opens.
     */
    function namedInThisSession(): { name?: string } {
      const typed = get().keyName;
      const name = typed && typed.username === get().session?.user.username ? typed.value.trim() : '';
      return name ? { name } : {};
    }

    return {
      factor: null,
      phase: 'idle',
      keyName: null,

      setKeyName: (value) => {
        const username = get().session?.user.username ?? get().result?.user.username;
        set({ keyName: value === null || !username ? null : { username, value } });
      },

      platformAvailable: null,
      result: null,

      checkPlatform: async () => {
        const available = await deps.platformAuthenticatorAvailable().catch(() => false);
        // main knows what the page cannot (no Touch ID configured, a station): a passkey it rules out is not offered.
        if (get().computer === null) await get().loadComputer();
        set({ platformAvailable: available && (get().computer?.passkey.offered ?? true) });
      },

      chooseFactor: (factor) => {
        if (get().kiosk && factor !== 'security-key') return;
        set({ factor, step: 'ceremony', phase: 'idle', notice: null });
      },

      backToChoice: () => {
        if (get().phase === 'waiting') {
          deps.cancelCeremony();
          get().cancelNativeKey();
        }
        // There is no choice on a kiosk: going back ends this person's turn.
        if (get().kiosk) {
          void get().resetStation();
          return;
        }
        set({ step: 'confirm', phase: 'idle', notice: null });
      },

      runCeremony: async () => {
        const factor = get().factor;
        if (!factor || get().phase === 'preparing' || get().phase === 'waiting' || get().phase === 'verifying') return;
        set({ phase: 'preparing', notice: null });
        const options = await deps.bridge.registrationOptions({ factor });
        if (!options.ok) {
          fail(options);
          return;
        }

        set({ phase: 'waiting' });
        // Where Electron cannot ask for a security key's PIN, main runs the ceremony and verifies it.
        const path = await deps.bridge.ceremonyPath({ ceremony: 'registration' });
        if (path.ok && path.value === 'native') {
          const registered = await get().registerWithNativeKey(namedInThisSession());
          if (get().step !== 'ceremony') return;
          if (!registered.ok) {
            const notice = nativeKeyNotice(registered);
            if (notice) set({ phase: 'failed', notice });
            else fail(registered);
            return;
          }
          await complete();
          return;
        }
        let response;
        try {
          response = await deps.register(options.value);
        } catch (error) {
          // The person left this screen (and so cancelled): nothing to report.
          if (get().step !== 'ceremony') return;
          const failure = error instanceof CeremonyError ? error.failure : 'unknown';
          set({ phase: 'failed', notice: { tone: 'error', key: `errors.ceremony.${failure}` } });
          return;
        }

        set({ phase: 'verifying' });
        const verified = await deps.bridge.verifyRegistration({ factor, response, ...namedInThisSession() });
        if (!verified.ok) {
          fail(verified);
          return;
        }
        await complete();
      },

      // A break-glass session refused at completion keeps its keys: finishing again registers none.
      finish: async () => {
        if (get().phase !== 'failed') return;
        set({ phase: 'verifying', notice: null });
        await complete();
      },

      cancel: () => {
        if (get().phase !== 'waiting') return;
        deps.cancelCeremony();
        get().cancelNativeKey();
      },

      recoveryCodes: null,
      afterCodes: 'done',

      // Forget the codes once kept: nothing in memory holds them longer than needed.
      acknowledgeCodes: () => {
        set({ step: get().afterCodes, recoveryCodes: null });
      },
    };
  };
