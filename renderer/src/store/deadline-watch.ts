import type { SessionDeadlines } from '../../../api/enrolment';
import type { FirstKeyBridge } from '../../../api/ipc';

type AnyCall = (request?: unknown) => Promise<{ deadlines?: SessionDeadlines }>;

/**
 * The bridge, with every result's session deadlines (main adds them while it holds a session, to
 * refusals too) handed to `heard` before the caller sees the result: the timer is refreshed by every
 * call, whichever slice made it, without each slice having to remember.
 */
export function watchDeadlines(bridge: FirstKeyBridge, heard: (deadlines: SessionDeadlines) => void): FirstKeyBridge {
  const watched: Record<string, AnyCall> = {};
  for (const [name, call] of Object.entries(bridge as unknown as Record<string, AnyCall>)) {
    watched[name] = async (request) => {
      const result = await call(request);
      if (result.deadlines) heard(result.deadlines);
      return result;
    };
  }
  return watched as unknown as FirstKeyBridge;
}
