import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useApp } from '../../store';

/** How long the last screen stays before the station resets itself for the next person. */
export const DONE_SECONDS = 20;

/** The end of one person's turn: what to do next, without their name, and a reset that comes by itself. */
export function KioskDone() {
  const { t } = useTranslation();
  const resetStation = useApp((s) => s.resetStation);
  const [left, setLeft] = useState(DONE_SECONDS);

  useEffect(() => {
    const started = Date.now();
    const timer = setInterval(() => {
      setLeft(Math.max(0, DONE_SECONDS - Math.floor((Date.now() - started) / 1000)));
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, []);

  useEffect(() => {
    if (left === 0) void resetStation();
  }, [left, resetStation]);

  return (
    <section>
      <ScreenHeading>{t('kiosk.done.title')}</ScreenHeading>
      <ol className="instructions">
        <li>{t('kiosk.done.takeKey')}</li>
        <li>{t('kiosk.done.takeCodes')}</li>
        <li>{t('kiosk.done.nextSignIn')}</li>
      </ol>
      <p className="hint">{t('kiosk.done.resetsIn', { count: left })}</p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void resetStation()}>
          {t('kiosk.done.finish')}
        </button>
      </div>
    </section>
  );
}
