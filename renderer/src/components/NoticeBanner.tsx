import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

/** Errors are alerts (read out at once); information is a polite status. */
export function NoticeBanner() {
  const { t } = useTranslation();
  const notice = useApp((s) => s.notice);
  if (!notice) return null;
  if (notice.tone === 'info') {
    return (
      <p className="notice notice-info" role="status">
        {t(notice.key)}
      </p>
    );
  }
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{t('errors.title')}</p>
      <p>{t(notice.key)}</p>
    </div>
  );
}
