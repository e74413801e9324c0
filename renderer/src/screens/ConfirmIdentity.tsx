import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

export function ConfirmIdentity() {
  const { t } = useTranslation();
  const session = useApp((s) => s.session);
  const confirmIdentity = useApp((s) => s.confirmIdentity);
  const rejectIdentity = useApp((s) => s.rejectIdentity);
  if (!session) return null;
  return (
    <section>
      <ScreenHeading>{t('confirm.title')}</ScreenHeading>
      <p>{t('confirm.intro')}</p>
      <div className="identity">
        <p className="identity-name">{session.user.displayName}</p>
        <p className="identity-username">
          {t('confirm.username')}: <span>{session.user.username}</span>
        </p>
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={confirmIdentity}>
          {t('confirm.yes')}
        </button>
        <button type="button" className="secondary" onClick={() => void rejectIdentity()}>
          {t('confirm.no')}
        </button>
      </div>
    </section>
  );
}
