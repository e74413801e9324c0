import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

export function Done() {
  const { t, i18n } = useTranslation();
  const result = useApp((s) => s.result);
  const startOver = useApp((s) => s.startOver);
  const purpose = useApp((s) => s.completedPurpose);
  const addBackupKey = useApp((s) => s.addBackupKey);
  const busy = useApp((s) => s.busy);
  if (!result) return null;
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const day = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long' });
  return (
    <section>
      <ScreenHeading>{t('done.title')}</ScreenHeading>
      <p>{t('done.body', { name: result.user.displayName })}</p>
      {purpose === 'recover' && <p className="notice notice-info">{t('done.recovered', { count: result.retired?.factors.length ?? 0 })}</p>}
      {purpose === 'replace' && (result.retired?.devices.length ?? 0) > 0 && <p className="notice notice-info">{t('done.moved')}</p>}
      <ul className="factors" aria-label={t('done.registered')}>
        {result.credentials.map((c) => (
          <li key={c.id}>
            <span className="factor-name">{t(`done.factor.${c.factor}`)}</span>
            <span className="factor-detail">
              {t('done.authenticator')}: {c.authenticatorName ?? t('done.unknownAuthenticator')}
            </span>
            <span className="factor-detail">
              {t('done.registered')} {date.format(new Date(c.createdAt))}
            </span>
            {c.expiresAt && <span className="factor-detail">{t('done.validUntil', { date: day.format(new Date(c.expiresAt)) })}</span>}
          </li>
        ))}
      </ul>
      {result.credentials.length === 1 && <p className="notice notice-info">{t('done.onlyOne')}</p>}
      <p>{t('done.close')}</p>
      <div className="actions">
        {result.credentials.length === 1 && (
          <button type="button" className="primary" disabled={busy} onClick={() => void addBackupKey()}>
            {t('done.addBackup')}
          </button>
        )}
        <button type="button" className="secondary" onClick={() => void startOver()}>
          {t('done.again')}
        </button>
      </div>
    </section>
  );
}
