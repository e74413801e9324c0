import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

/**
 * In a break-glass account's session: the reference the custodians compare in the console before they
 * confirm that they watch this enrolment, so they cannot confirm another one by mistake. Shown on every
 * step of the session, since they may confirm at any point before it finishes.
 */
export function SupervisedSession() {
  const { t } = useTranslation();
  const reference = useApp((s) => s.session?.supervision?.reference ?? null);
  if (!reference) return null;
  return (
    <aside className="notice notice-info supervised" aria-labelledby="supervised-title">
      <p className="notice-title" id="supervised-title">
        {t('supervised.title')}
      </p>
      <p>{t('supervised.explain')}</p>
      <p className="supervised-reference">
        <span className="visually-hidden">{t('supervised.referenceLabel')} </span>
        {reference}
      </p>
    </aside>
  );
}
