import { useEffect } from 'react';
import { useConsole } from '../store';

/** Ends the session on this screen when its time or its idle time runs out, as the server does. */
export function SessionWatch() {
  const expiresAt = useConsole((s) => s.expiresAt);
  const idleEndsAt = useConsole((s) => s.idleEndsAt);
  const endSession = useConsole((s) => s.endSession);
  useEffect(() => {
    const check = () => {
      const now = Date.now();
      if (now >= expiresAt) endSession('expired');
      else if (now >= idleEndsAt) endSession('idle');
    };
    const timer = window.setInterval(check, 1000);
    return () => {
      window.clearInterval(timer);
    };
  }, [expiresAt, idleEndsAt, endSession]);
  return null;
}
