import { useId, useState, type ReactNode, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../../components/ScreenHeading';
import { StationHealth } from '../../components/StationHealth';
import { useApp } from '../../store';

/** A station that serves nobody yet: not registered, revoked, or unable to reach the server. */
export function KioskStation() {
  const { t } = useTranslation();
  const station = useApp((s) => s.station);
  const loadStation = useApp((s) => s.loadStation);
  const openOperatorPanel = useApp((s) => s.openOperatorPanel);
  const replaceStationKey = useApp((s) => s.replaceStationKey);
  const busy = useApp((s) => s.busy);
  if (!station?.kiosk) return null;

  const operatorLink = (
    <button type="button" className="link" onClick={() => void openOperatorPanel()}>
      {t('kiosk.operator.settings')}
    </button>
  );

  if (station.registration === 'unregistered') return <RegisterStation operatorLink={operatorLink} />;
  // Registered in an earlier run but no PIN (or the keychain lost it): only a new station code from IT lets the operator choose one.
  if (station.registration === 'registered' && station.operatorPin === 'missing') {
    return <RegisterStation title={t('kiosk.station.noPinTitle')} body={t('kiosk.station.noPinBody')} />;
  }
  if (station.registration === 'revoked') {
    return (
      <section>
        <ScreenHeading>{t('kiosk.station.revokedTitle')}</ScreenHeading>
        <p>{t('kiosk.station.revokedBody')}</p>
        <nav className="ways" aria-label={t('kiosk.operator.label')}>
          {operatorLink}
        </nav>
      </section>
    );
  }
  const keyLost = station.keychain === 'device_key_lost';
  return (
    <section>
      <ScreenHeading>{t('kiosk.station.unknownTitle')}</ScreenHeading>
      <p>{keyLost ? t('kiosk.station.keyLostBody') : t('kiosk.station.unknownBody')}</p>
      <StationHealth />
      <div className="actions">
        {keyLost ? (
          <button type="button" className="primary" disabled={busy} onClick={() => void replaceStationKey()}>
            {t('kiosk.station.newKey')}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void loadStation()}>
            {t('kiosk.station.retry')}
          </button>
        )}
      </div>
      <nav className="ways" aria-label={t('kiosk.operator.label')}>
        {operatorLink}
      </nav>
    </section>
  );
}

function RegisterStation({ operatorLink, title, body }: { operatorLink?: ReactNode; title?: string; body?: string }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const registerStation = useApp((s) => s.registerStation);
  const [code, setCode] = useState('');
  const inputId = useId();
  const hintId = useId();

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void registerStation(code);
  };

  return (
    <section>
      <ScreenHeading>{title ?? t('kiosk.station.unregisteredTitle')}</ScreenHeading>
      <p>{body ?? t('kiosk.station.unregisteredBody')}</p>
      <ol className="instructions">
        <li>{t('kiosk.station.askIt')}</li>
        <li>
          {t('kiosk.station.itRuns')} <code>npm run admin -- issue-station-code --name &quot;Lobby 1&quot;</code>
        </li>
        <li>{t('kiosk.station.enterIt')}</li>
      </ol>
      <form onSubmit={onSubmit} noValidate>
        <label htmlFor={inputId}>{t('kiosk.station.codeLabel')}</label>
        <input
          id={inputId}
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
          }}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          aria-describedby={hintId}
          disabled={busy}
          className="code-input"
        />
        <p id={hintId} className="hint">
          {t('kiosk.station.codeHint')}
        </p>
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {t('kiosk.station.register')}
        </button>
      </form>
      {operatorLink && (
        <nav className="ways" aria-label={t('kiosk.operator.label')}>
          {operatorLink}
        </nav>
      )}
    </section>
  );
}
