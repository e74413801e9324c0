import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

const WARN_AT_MS = 2 * 60_000;

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      window.clearInterval(id);
    };
  }, []);
  return now;
}

/** Time left in the server's session; at zero the app returns to the start and says why. */
export function SessionTimer() {
  const { t } = useTranslation();
  const session = useApp((s) => s.session);
  const offset = useApp((s) => s.clockOffsetMs);
  const sessionLost = useApp((s) => s.sessionLost);
  const now = useNow();
  const left = session ? Date.parse(session.expiresAt) - (now + offset) : null;

  useEffect(() => {
    if (left !== null && left <= 0) {
      sessionLost({ ok: false, error: { code: 'session_expired', message: 'session expired' } });
    }
  }, [left, sessionLost]);

  if (left === null || left <= 0) return null;
  const total = Math.ceil(left / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const warn = left <= WARN_AT_MS;
  return (
    <div className={warn ? 'timer timer-warn' : 'timer'}>
      <span aria-label={t('app.timeLeftLabel', { minutes, seconds })}>
        {t('app.timeLeft', { time: `${minutes}:${String(seconds).padStart(2, '0')}` })}
      </span>
      {/* Rendered once when crossing the threshold, so it is announced once, not every second. */}
      <span role="status" className={warn ? 'timer-message' : 'visually-hidden'}>
        {warn ? t('app.timeWarning', { minutes: WARN_AT_MS / 60_000 }) : ''}
      </span>
    </div>
  );
}
