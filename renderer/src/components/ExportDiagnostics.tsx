import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

type Outcome = 'idle' | 'busy' | 'saved' | 'failed';

/** Saves the help desk's diagnostics file (main asks where); says what happened, and nothing when the person cancels. */
export function ExportDiagnostics() {
  const { t } = useTranslation();
  const exportDiagnostics = useApp((s) => s.exportDiagnostics);
  const [outcome, setOutcome] = useState<Outcome>('idle');
  // A kiosk has no save dialog (no files on shared hardware); its operator panel shows the station's health instead.
  const kiosk = useApp((s) => s.kiosk);

  const onClick = async () => {
    setOutcome('busy');
    const result = await exportDiagnostics();
    setOutcome(result === 'cancelled' ? 'idle' : result);
  };

  if (kiosk) return null;
  return (
    <div className="diagnostics">
      <button
        type="button"
        className="link"
        onClick={() => {
          void onClick();
        }}
        disabled={outcome === 'busy'}
        aria-busy={outcome === 'busy'}
      >
        {t('diagnostics.export')}
      </button>
      <p role="status" className={outcome === 'saved' || outcome === 'failed' ? 'hint' : 'visually-hidden'}>
        {outcome === 'saved' ? t('diagnostics.saved') : outcome === 'failed' ? t('diagnostics.failed') : ''}
      </p>
    </div>
  );
}
