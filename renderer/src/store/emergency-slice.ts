import type { StateCreator } from 'zustand';
import type { IpcFailure } from '../../../api/ipc';
import { DEVICE_KEY_LOST_NOTICE } from './device-slice';
import { endsSession, noticeFor } from './failures';
import type { AppState, EmergencySlice, Notice, StoreDeps } from './types';

/**
 * Refusals with words of their own here. `reauth_required` is not among them: it reads as it does
 * when removing a key, since the way out is the same (confirm with the key again).
 */
export const REAUTH_NOTICE = 'errors.api.reauth_required';

const EMERGENCY_NOTICES: Readonly<Record<string, string>> = {
  not_service_owner: 'emergency.errors.not_service_owner',
  emergency_not_approved: 'emergency.errors.not_approved',
  request_closed: 'emergency.errors.closed',
  request_pending: 'emergency.errors.pending',
  not_found: 'emergency.errors.not_found',
  invalid_request: 'emergency.errors.invalid',
};

function emergencyNotice(failure: IpcFailure): Notice {
  const key = EMERGENCY_NOTICES[failure.error.code];
  return key ? { tone: 'error', key } : noticeFor(failure);
}

/**
 * The owner's side of acting for a service account, in My security: ask with a reason and a window,
 * follow the request, collect the token once it is approved, end it early. The session's token stays
 * in main; the access token collected here stays in this store only while My security shows it.
 */
export const createEmergencySlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], EmergencySlice> =>
  (set, get) => {
    /** What to do again once the person confirmed with their key (after `reauth_required`). */
    let retry: (() => Promise<void>) | null = null;

    /** A session that is over goes back to the start; a lost device key to its screen; the rest is said in the section. */
    function fail(failure: IpcFailure): void {
      if (endsSession(failure)) {
        set({ emergencyBusy: false });
        get().sessionLost(failure);
        return;
      }
      const notice = emergencyNotice(failure);
      if (notice.key !== REAUTH_NOTICE) retry = null;
      if (notice.key === DEVICE_KEY_LOST_NOTICE) set({ emergencyBusy: false, notice });
      else set({ emergencyBusy: false, emergencyNotice: notice });
    }

    /** The grants as the server has them now; quiet when it fails, since the last answer's failure is what matters. */
    async function reload(): Promise<void> {
      const mine = await deps.bridge.myEmergencyAccess();
      if (mine.ok) set({ emergency: mine.value, emergencyCheckedAt: deps.now() });
      else if (endsSession(mine)) get().sessionLost(mine);
      set({ emergencyBusy: false });
    }

    /** A grant may have changed meanwhile (denied, ended by an admin, run out): say why it failed, and show how it stands now. */
    async function failAndRecheck(failure: IpcFailure): Promise<void> {
      fail(failure);
      if (endsSession(failure) || get().notice?.key === DEVICE_KEY_LOST_NOTICE) return;
      set({ emergencyBusy: true });
      await reload();
    }

    return {
      emergency: null,
      emergencyBusy: false,
      emergencyNotice: null,
      emergencyDone: null,
      emergencyCheckedAt: null,
      emergencyToken: null,

      loadEmergency: async () => {
        if (get().emergencyBusy) return;
        set({ emergencyBusy: true, emergencyNotice: null, emergencyDone: null });
        const mine = await deps.bridge.myEmergencyAccess();
        if (!mine.ok) {
          fail(mine);
          return;
        }
        set({ emergencyBusy: false, emergency: mine.value, emergencyCheckedAt: deps.now() });
      },

      requestEmergency: async (request) => {
        set({ emergencyBusy: true, emergencyNotice: null, emergencyDone: null });
        const asked = await deps.bridge.requestEmergencyAccess(request);
        if (!asked.ok) {
          retry = async () => {
            await get().requestEmergency(request);
          };
          fail(asked);
          return false;
        }
        set({ emergencyDone: 'requested' });
        await reload();
        return true;
      },

      activateEmergency: async (id) => {
        set({ emergencyBusy: true, emergencyNotice: null, emergencyDone: null, emergencyToken: null });
        const collected = await deps.bridge.activateEmergencyAccess({ id });
        if (!collected.ok) {
          retry = () => get().activateEmergency(id);
          await failAndRecheck(collected);
          return;
        }
        set({ emergencyToken: collected.value });
        await reload();
      },

      endEmergency: async (id) => {
        set({ emergencyBusy: true, emergencyNotice: null, emergencyDone: null });
        const ended = await deps.bridge.endEmergencyAccess({ id });
        if (!ended.ok) {
          await failAndRecheck(ended);
          return;
        }
        // The token stops working now: nothing left to copy.
        if (get().emergencyToken?.grant.id === id) set({ emergencyToken: null });
        set({ emergencyDone: 'ended' });
        await reload();
      },

      confirmEmergencyWithKey: async () => {
        const username = get().session?.user.username;
        const before = get().session?.id;
        const again = retry;
        retry = null;
        if (!username) return;
        set({ emergencyNotice: null, emergencyBusy: true, signinPurpose: 'manage' });
        // The way in to My security, with the key: a fresh manage session replaces this one in main.
        await get().signInWithKey(username);
        if (get().session?.id === before) {
          // No new confirmation (cancelled, wrong key): say why here, where the person pressed, and keep what to retry.
          retry = again;
          set({ emergencyBusy: false, emergencyNotice: get().notice ?? { tone: 'error', key: REAUTH_NOTICE }, notice: null });
          return;
        }
        set({ emergencyBusy: false });
        // The new session has been shown no grants yet (main names only those it listed): list them, then carry on.
        await get().loadEmergency();
        if (again && !get().emergencyNotice) await again();
      },

      forgetEmergency: () => {
        retry = null;
        set({
          emergency: null,
          emergencyBusy: false,
          emergencyNotice: null,
          emergencyDone: null,
          emergencyCheckedAt: null,
          emergencyToken: null,
        });
      },
    };
  };
