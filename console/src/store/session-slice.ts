import { call, ConsoleCallError } from '../api/client';
import type { ConsoleSession } from '../api/types';
import { failureOf } from './authed';
import type { SessionSlice, Slice } from './types';

/** What a session leaves behind when it ends: nothing of the last agent's work stays on screen. */
export const SIGNED_OUT = {
  agent: null,
  token: null,
  expiresAt: 0,
  idleEndsAt: 0,
  idleSpanMs: 0,
  requests: [],
  checklist: [],
  decision: null,
  issued: null,
  person: null,
  funnel: null,
  breakGlass: null,
  view: 'queue',
  requestId: null,
} as const;

export const createSessionSlice: Slice<SessionSlice> = (deps) => (set, get) => ({
  agent: null,
  token: null,
  expiresAt: 0,
  idleEndsAt: 0,
  idleSpanMs: 0,
  ended: null,
  signingIn: false,
  signInFailure: null,

  signIn: async (username) => {
    set({ signingIn: true, signInFailure: null });
    try {
      const { ceremonyId, options } = await call<{ ceremonyId: string; options: unknown }>('/v1/console/sign-in/options', {
        body: { username },
      });
      const response = await deps.authenticate(options);
      const session = await call<ConsoleSession>('/v1/console/sign-in', { body: { ceremonyId, response } });
      const now = deps.now();
      set({
        agent: session.agent,
        token: session.token,
        expiresAt: Date.parse(session.expiresAt),
        idleEndsAt: Date.parse(session.idleEndsAt),
        idleSpanMs: Date.parse(session.idleEndsAt) - now,
        ended: null,
        view: 'queue',
      });
    } catch (error) {
      // Anything but a server refusal is the browser's ceremony failing: cancelled, timed out, or no
      // credential on this key for the options (a decoy for an unknown username or one without a role).
      set({ signInFailure: error instanceof ConsoleCallError ? failureOf(error) : { code: 'ceremony' } });
    } finally {
      set({ signingIn: false });
    }
  },

  signOut: async () => {
    const token = get().token;
    get().endSession('signedOut');
    // The token is already forgotten here; telling the server is best effort (it expires anyway).
    if (token) await call('/v1/console/sign-out', { method: 'POST', token }).catch(() => undefined);
  },

  endSession: (why) => {
    if (!get().token) return;
    set({ ...SIGNED_OUT, requests: [], checklist: [], ended: why });
  },

  can: (permission) => get().agent?.permissions.includes(permission) ?? false,
});
