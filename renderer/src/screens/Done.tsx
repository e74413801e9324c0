import { useTranslation } from 'react-i18next';
import { FactorCard } from '../components/FactorCard';
import { KeyName } from '../components/KeyName';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

export function Done() {
  const { t } = useTranslation();
  const result = useApp((s) => s.result);
  const startOver = useApp((s) => s.startOver);
  const purpose = useApp((s) => s.completedPurpose);
  const addBackupKey = useApp((s) => s.addBackupKey);
  const busy = useApp((s) => s.busy);
  if (!result) return null;
  return (
    <section>
      <ScreenHeading>{t('done.title')}</ScreenHeading>
      <p>{t('done.body', { name: result.user.displayName })}</p>
      {purpose === 'recover' && <p className="notice notice-info">{t('done.recovered', { count: result.retired?.factors.length ?? 0 })}</p>}
      {purpose === 'replace' && (result.retired?.devices.length ?? 0) > 0 && <p className="notice notice-info">{t('done.moved')}</p>}
      <ul className="factors" aria-label={t('done.registered')}>
        {result.credentials.map((c) => (
          <FactorCard key={c.id} factor={c} />
        ))}
      </ul>
      <p>{t('done.close')}</p>
      {/* The offer of a spare key sits with its button, after what is already done. */}
      {result.credentials.length === 1 && <p className="notice notice-info">{t('done.onlyOne')}</p>}
      {result.credentials.length === 1 && <KeyName factor="security-key" backup />}
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
