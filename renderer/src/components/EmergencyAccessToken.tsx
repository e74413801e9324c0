import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ActivatedEmergencyAccess } from '../../../api/operations/emergency-access';

/**
 * The access token, this once: read-only, with Copy, when it stops working, and a plain warning that
 * it is not shown again. It takes focus when it appears, so a screen reader reads it out with its label.
 */
export function EmergencyAccessToken({
  collected,
  service,
  until,
}: {
  collected: ActivatedEmergencyAccess;
  service: string;
  until: string;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'copied' | 'copyFailed' | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  useEffect(() => {
    field.current?.focus();
  }, [collected.token]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(collected.token);
      setCopied('copied');
    } catch {
      setCopied('copyFailed');
    }
  };

  return (
    <div className="emergency-token">
      <label htmlFor={`${id}-token`}>{t('emergency.token.label', { service })}</label>
      <textarea
        id={`${id}-token`}
        ref={field}
        className="code-input emergency-token-value"
        readOnly
        rows={3}
        value={collected.token}
        spellCheck={false}
        aria-describedby={`${id}-until ${id}-warning`}
        onFocus={(e) => {
          e.target.select();
        }}
      />
      <p id={`${id}-until`} className="emergency-token-until">
        {t('emergency.token.worksUntil', { time: until })}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void copy()}>
          {t('emergency.token.copy')}
        </button>
      </div>
      <p role="status" className="hint">
        {copied ? t(`emergency.token.${copied}`) : ''}
      </p>
      <p id={`${id}-warning`} className="emergency-warning">
        {t('emergency.token.warning', { service })}
      </p>
    </div>
  );
}
