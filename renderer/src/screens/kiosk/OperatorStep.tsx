import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperatorCheck } from '../../../../api/kiosk';
import { IdleReset } from '../../components/IdleReset';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useApp } from '../../store';

const CHECKS: readonly OperatorCheck[] = ['photo_id', 'name_matches', 'start_date_confirmed'];

/** The station's start screen: the operator checks the next new hire in person and confirms it with their own key. */
export function OperatorStep() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const confirmNewHire = useApp((s) => s.confirmNewHire);
  const openOperatorPanel = useApp((s) => s.openOperatorPanel);
  const [operator, setOperator] = useState('');
  const [newHire, setNewHire] = useState('');
  const [checks, setChecks] = useState<OperatorCheck[]>([]);
  const operatorId = useId();
  const newHireId = useId();
  // A half-filled form holds a new hire's name: it goes like anything else of a person left alone.
  const started = operator !== '' || newHire !== '' || checks.length > 0;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void confirmNewHire(operator, newHire, checks);
  };

  const toggle = (check: OperatorCheck, on: boolean) => {
    setChecks((current) => (on ? [...current.filter((c) => c !== check), check] : current.filter((c) => c !== check)));
  };

  return (
    <section>
      <ScreenHeading>{t('kiosk.operator.title')}</ScreenHeading>
      <p>{t('kiosk.operator.intro')}</p>
      <form onSubmit={onSubmit} noValidate>
        <label htmlFor={newHireId}>{t('kiosk.operator.newHire')}</label>
        <input
          id={newHireId}
          value={newHire}
          onChange={(e) => {
            setNewHire(e.target.value);
          }}
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
          className="text-input"
        />
        <fieldset className="checks">
          <legend>{t('kiosk.operator.checksLegend')}</legend>
          {CHECKS.map((check) => (
            <div className="confirm-saved" key={check}>
              <input
                id={`check-${check}`}
                type="checkbox"
                checked={checks.includes(check)}
                disabled={busy}
                onChange={(e) => {
                  toggle(check, e.target.checked);
                }}
              />
              <label htmlFor={`check-${check}`}>{t(`kiosk.check.${check}`)}</label>
            </div>
          ))}
        </fieldset>
        <label htmlFor={operatorId}>{t('kiosk.operator.operator')}</label>
        <input
          id={operatorId}
          value={operator}
          onChange={(e) => {
            setOperator(e.target.value);
          }}
          autoComplete="off"
          spellCheck={false}
          disabled={busy}
          className="text-input"
        />
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {busy ? t('kiosk.operator.waiting') : t('kiosk.operator.confirm')}
        </button>
      </form>
      <nav className="ways" aria-label={t('kiosk.operator.label')}>
        <button type="button" className="link" onClick={() => void openOperatorPanel()}>
          {t('kiosk.operator.settings')}
        </button>
      </nav>
      {started && <IdleReset />}
    </section>
  );
}
