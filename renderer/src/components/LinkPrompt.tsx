import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

/** A link arrived mid-way: ask before dropping what the person is doing. Keeping on is the default, and takes focus. */
export function LinkPrompt() {
  const { t } = useTranslation();
  const pendingLink = useApp((s) => s.pendingLink);
  const acceptPendingLink = useApp((s) => s.acceptPendingLink);
  const keepCurrentWork = useApp((s) => s.keepCurrentWork);
  const titleId = useId();
  const bodyId = useId();
  const keepRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (pendingLink !== null) keepRef.current?.focus();
  }, [pendingLink]);

  if (pendingLink === null) return null;
  return (
    <div className="notice notice-info link-prompt" role="alertdialog" aria-labelledby={titleId} aria-describedby={bodyId}>
      <p id={titleId} className="notice-title">
        {t('link.title')}
      </p>
      <p id={bodyId}>{t('link.body')}</p>
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() => {
            void acceptPendingLink();
          }}
        >
          {t('link.use')}
        </button>
        <button type="button" className="secondary" ref={keepRef} onClick={keepCurrentWork}>
          {t('link.keep')}
        </button>
      </div>
    </div>
  );
}
