import { useTranslation } from 'react-i18next';
import { useApp } from '../store';
import { ExportDiagnostics } from './ExportDiagnostics';

/** Errors are alerts (read out at once); information is a polite status. */
export function NoticeBanner() {
  const { t } = useTranslation();
  const notice = useApp((s) => s.notice);
  // The start and key-lost screens carry the button already: one per screen.
  const hasOwnDiagnostics = useApp((s) => s.step === 'code' || s.step === 'keyLost');
  if (!notice) return null;
  if (notice.tone === 'info') {
    return (
      <p className="notice notice-info" role="status">
        {t(notice.key, notice.values ?? {})}
      </p>
    );
  }
  // The diagnostics button sits outside the alert, so the alert reads out the problem alone.
  return (
    <>
      <div className="notice notice-error" role="alert">
        <p className="notice-title">{t('errors.title')}</p>
        <p>{t(notice.key, notice.values ?? {})}</p>
      </div>
      {!hasOwnDiagnostics && <ExportDiagnostics />}
    </>
  );
}
