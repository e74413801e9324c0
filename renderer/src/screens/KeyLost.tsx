import { useTranslation } from 'react-i18next';
import { ExportDiagnostics } from '../components/ExportDiagnostics';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

/**
 * The keychain no longer holds the key this computer was known by. Nothing new was
 * made behind the person's back: each way forward first makes a new key for this
 * computer (main refuses unless the old one is really gone), then opens a way back.
 */
export function KeyLost() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const replaceKeyAndGo = useApp((s) => s.replaceKeyAndGo);

  const way = (next: 'signin' | 'code' | 'recover', label: string, primary = false) => (
    <li>
      <button
        type="button"
        className={primary ? 'primary' : 'secondary'}
        disabled={busy}
        onClick={() => {
          void replaceKeyAndGo(next);
        }}
      >
        {label}
      </button>
    </li>
  );

  return (
    <section>
      <ScreenHeading>{t('keyLost.title')}</ScreenHeading>
      <p>{t('keyLost.what')}</p>
      <p>{t('keyLost.notYourKey')}</p>
      <h2>{t('keyLost.waysTitle')}</h2>
      <p>{t('keyLost.ways')}</p>
      <ul className="key-lost-ways">
        {way('signin', t('keyLost.haveKey'), true)}
        {way('code', t('keyLost.newCode'))}
        {way('recover', t('keyLost.noKey'))}
      </ul>
      <p className="hint">{t('keyLost.oldEntry')}</p>
      <ExportDiagnostics />
    </section>
  );
}
