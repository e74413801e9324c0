import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

/** Recovery codes are shown once: the person keeps them before going on, or cannot go on. */
export function RecoveryCodes() {
  const { t } = useTranslation();
  const codes = useApp((s) => s.recoveryCodes) ?? [];
  const acknowledgeCodes = useApp((s) => s.acknowledgeCodes);
  const [copied, setCopied] = useState<'copied' | 'copy_failed' | null>(null);

  const text = useMemo(() => `${t('codes.fileHeader')}\n\n${codes.join('\n')}\n`, [codes, t]);
  const [fileUrl, setFileUrl] = useState<string | null>(null);
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    setFileUrl(url);
    return () => {
      URL.revokeObjectURL(url);
    };
  }, [text]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('copied');
    } catch {
      setCopied('copy_failed');
    }
  };

  return (
    <section>
      <ScreenHeading>{t('codes.title')}</ScreenHeading>
      <p>{t('codes.intro', { count: codes.length })}</p>
      <ol className="recovery-codes" aria-label={t('codes.listLabel')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="actions no-print">
        <button type="button" className="secondary" onClick={() => void copy()}>
          {t('codes.copy')}
        </button>
        {fileUrl && (
          <a className="button secondary" href={fileUrl} download="firstkey-recovery-codes.txt">
            {t('codes.save')}
          </a>
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => {
            window.print();
          }}
        >
          {t('codes.print')}
        </button>
      </div>
      <p role="status" className="hint no-print">
        {copied ? t(`codes.${copied}`) : ''}
      </p>
      <p className="no-print">{t('codes.warning')}</p>
      {/* One deliberate statement, not a tick and a Continue: the button says what the person affirms. */}
      <div className="actions no-print">
        <button type="button" className="primary" onClick={acknowledgeCodes}>
          {t('codes.confirm')}
        </button>
      </div>
    </section>
  );
}
