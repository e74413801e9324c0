import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useApp } from '../../store';

/** main could not say what this computer is: a station must not fall back to the personal app's code screen. */
export function StationError() {
  const { t } = useTranslation();
  const loadStation = useApp((s) => s.loadStation);
  return (
    <section>
      <ScreenHeading>{t('kiosk.station.checkFailedTitle')}</ScreenHeading>
      <p>{t('kiosk.station.checkFailedBody')}</p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void loadStation()}>
          {t('kiosk.station.retry')}
        </button>
      </div>
    </section>
  );
}
