import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

/** A kiosk forgets a person who walked away: after this long without input the station resets. */
export const IDLE_RESET_MS = 90_000;
/** The last part of that wait is shown, so someone still there can keep going. */
export const IDLE_COUNTDOWN_MS = 15_000;

const INPUT_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input'] as const;

/** Watches for input while something of a person is on a kiosk's screen; any input starts the wait again. */
export function IdleReset() {
  const { t } = useTranslation();
  const resetStation = useApp((s) => s.resetStation);
  const [lastInput, setLastInput] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  const titleId = useId();
  const stay = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const onInput = () => {
      const at = Date.now();
      setLastInput(at);
      setNow(at);
    };
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { capture: true, passive: true });
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput, { capture: true });
      clearInterval(timer);
    };
  }, []);

  const idleFor = now - lastInput;
  const expired = idleFor >= IDLE_RESET_MS;
  useEffect(() => {
    if (expired) void resetStation();
  }, [expired, resetStation]);

  const warning = idleFor >= IDLE_RESET_MS - IDLE_COUNTDOWN_MS;
  // Focus goes to the way to stay, so one key press or touch keeps the person's work.
  useEffect(() => {
    if (warning) stay.current?.focus();
  }, [warning]);

  if (!warning) return null;
  const seconds = Math.max(0, Math.ceil((IDLE_RESET_MS - idleFor) / 1000));
  return (
    <div className="idle-warning" role="alertdialog" aria-labelledby={titleId}>
      <h2 id={titleId}>{t('kiosk.idle.title')}</h2>
      <p>{t('kiosk.idle.body', { count: seconds })}</p>
      {/* Any input at all keeps the person's work; the button only gives that input an obvious place. */}
      <button ref={stay} type="button" className="primary">
        {t('kiosk.idle.stay')}
      </button>
    </div>
  );
}
