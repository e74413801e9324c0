import { call, ConsoleCallError, type CallOptions } from '../api/client';
import type { ConsoleState, StoreDeps } from './types';

type Get = () => ConsoleState;
type Set = (partial: Partial<ConsoleState>) => void;

/** A refusal that means the console session is gone (expired, idle, signed out elsewhere, account changed). */
const SESSION_GONE = new Set(['unauthorized', 'console_session_expired', 'console_session_idle', 'session_expired', 'session_invalid']);

/**
 * A call made as the signed-in agent. Each answer restarts the idle clock (the server does the
 * same); an answer that the session is gone ends it here too, saying why.
 */
export async function authed<T>(deps: StoreDeps, get: Get, set: Set, path: string, options: CallOptions = {}): Promise<T> {
  const { token, idleSpanMs } = get();
  try {
    const answer = await call<T>(path, { ...options, token });
    set({ idleEndsAt: deps.now() + idleSpanMs });
    return answer;
  } catch (error) {
    if (error instanceof ConsoleCallError && error.status === 401 && SESSION_GONE.has(error.code)) {
      get().endSession(deps.now() >= get().expiresAt || error.code.endsWith('expired') ? 'expired' : 'idle');
    }
    throw error;
  }
}

export const failureOf = (error: unknown) => ({ code: error instanceof ConsoleCallError ? error.code : 'unknown' });
