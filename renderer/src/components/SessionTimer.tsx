import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionDeadlines } from '../../../api/enrolment';
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

/** Which end comes first, how long is left to it on the server's clock, and how long the idle limit is. */
function closestEnd(deadlines: SessionDeadlines, serverNow: number) {
  const idleLeft = Date.parse(deadlines.idleEndsAt) - serverNow;
  const lifetimeLeft = Date.parse(deadlines.lifetimeEndsAt) - serverNow;
  // The answer that set the idle end was given at serverTime: the idle limit is the distance between them.
  const idleMinutes = Math.max(1, Math.round((Date.parse(deadlines.idleEndsAt) - Date.parse(deadlines.serverTime)) / 60_000));
  return idleLeft < lifetimeLeft ? { left: idleLeft, idle: true, idleMinutes } : { left: lifetimeLeft, idle: false, idleMinutes };
}

/**
 * Time left in the server's session: to the earlier of its absolute end and its idle end, both as
 * the latest answer gave them (every call refreshes them), on the server's clock. When the idle end
 * is the nearer, it says that any step keeps the session going. At zero the app ends the session on
 * the server and returns to the start. The box keeps its size in every state, so the header never
 * moves when the warning comes.
 */
export function SessionTimer() {
  const { t } = useTranslation();
  const session = useApp((s) => s.session);
  const deadlines = useApp((s) => s.deadlines);
  const offset = useApp((s) => s.clockOffsetMs);
  const timedOut = useApp((s) => s.timedOut);
  // A call on its way may be the activity that keeps the session: its answer brings the new ends, so wait for it.
  const calling = useApp((s) => s.busy || s.phase === 'preparing' || s.phase === 'verifying');
  const now = useNow();
  const end = session && deadlines ? closestEnd(deadlines, now + offset) : null;
  const left = end?.left ?? null;
  const givingUp = useRef(false);

  useEffect(() => {
    if (left === null || left > 0 || calling || givingUp.current) return;
    givingUp.current = true;
    void timedOut().finally(() => {
      givingUp.current = false;
    });
  }, [left, calling, timedOut]);

  if (!end || left === null || left <= 0) return null;
  const total = Math.ceil(left / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const warn = left <= WARN_AT_MS;
  const note = end.idle
    ? warn
      ? t('timer.idleWarning')
      : t('timer.idleNote', { minutes: end.idleMinutes })
    : warn
      ? t('timer.lifetimeWarning')
      : t('timer.lifetimeNote');
  return (
    <div className={warn ? 'timer timer-warn' : 'timer'}>
      <span className="timer-time" aria-label={t('app.timeLeftLabel', { minutes, seconds })}>
        {t('app.timeLeft', { time: `${minutes}:${String(seconds).padStart(2, '0')}` })}
      </span>
      <span className="timer-note">{note}</span>
      {/* Filled once when crossing the threshold, so it is announced once, not every second. */}
      <span role="status" className="visually-hidden">
        {warn ? t(end.idle ? 'timer.idleAnnounced' : 'timer.lifetimeAnnounced', { minutes: WARN_AT_MS / 60_000 }) : ''}
      </span>
    </div>
  );
}
