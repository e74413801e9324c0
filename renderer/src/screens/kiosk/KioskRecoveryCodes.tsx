import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useApp } from '../../store';

type PrintState = 'idle' | 'printing' | 'printed' | 'not_printed' | 'failed';

/**
 * Recovery codes on a shared station: shown once and printed on the station's printer, never copied
 * or saved, since the clipboard and the disk belong to the next person as much as to this one.
 */
export function KioskRecoveryCodes() {
  const { t } = useTranslation();
  const codes = useApp((s) => s.recoveryCodes) ?? [];
  const acknowledgeCodes = useApp((s) => s.acknowledgeCodes);
  const printCodes = useApp((s) => s.printCodes);
  const [printState, setPrintState] = useState<PrintState>('idle');
  const [taken, setTaken] = useState(false);
  const checkId = useId();

  const print = async () => {
    setPrintState('printing');
    setPrintState(await printCodes());
  };

  return (
    <section
      className="no-copy"
      onCopy={(e) => {
        e.preventDefault();
      }}
      onCut={(e) => {
        e.preventDefault();
      }}
    >
      <ScreenHeading>{t('kiosk.codes.title')}</ScreenHeading>
      <p>{t('kiosk.codes.intro', { count: codes.length })}</p>
      <ol className="recovery-codes" aria-label={t('codes.listLabel')}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="primary" disabled={printState === 'printing'} onClick={() => void print()}>
          {printState === 'printed' || printState === 'not_printed' || printState === 'failed'
            ? t('kiosk.codes.printAgain')
            : t('codes.print')}
        </button>
      </div>
      <p role="status" className="hint">
        {printState === 'idle' ? '' : t(`kiosk.codes.${printState}`)}
      </p>
      <p>{t('kiosk.codes.warning')}</p>
      <div className="confirm-saved">
        <input
          id={checkId}
          type="checkbox"
          checked={taken}
          onChange={(e) => {
            setTaken(e.target.checked);
          }}
        />
        <label htmlFor={checkId}>{t('kiosk.codes.confirm')}</label>
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!taken} onClick={acknowledgeCodes}>
          {t('codes.continue')}
        </button>
      </div>
    </section>
  );
}
