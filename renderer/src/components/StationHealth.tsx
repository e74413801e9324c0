import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';

/** What the operator needs to judge the station: server, keychain, registration and its renewal, policy version. */
export function StationHealth() {
  const { t } = useTranslation();
  const format = useFormats();
  const station = useApp((s) => s.station);
  if (!station?.kiosk) return null;
  const view = station.station;
  const ok = (good: boolean) => (good ? t('kiosk.health.ok') : t('kiosk.health.problem'));
  return (
    <dl className="health" aria-label={t('kiosk.health.label')}>
      <dt>{t('kiosk.health.server')}</dt>
      <dd>
        {station.serverReachable === null
          ? t('kiosk.health.notChecked')
          : station.serverReachable
            ? t('kiosk.health.reachable')
            : t('kiosk.health.unreachable')}
      </dd>
      <dt>{t('kiosk.health.keychain')}</dt>
      <dd>{station.keychain === 'ready' ? ok(true) : t(`kiosk.health.keychainState.${station.keychain}`)}</dd>
      <dt>{t('kiosk.health.registration')}</dt>
      <dd>
        {t(`kiosk.health.registrationState.${station.registration}`)}
        {view ? ` (${view.name})` : ''}
      </dd>
      {view && (
        <>
          <dt>{t('kiosk.health.renewBy')}</dt>
          <dd>{format.day(view.renewBy)}</dd>
          <dt>{t('kiosk.health.policyVersion')}</dt>
          <dd>
            <code>{view.policyVersion}</code>
          </dd>
        </>
      )}
    </dl>
  );
}
