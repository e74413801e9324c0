import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../i18n/use-formats';
import { ScreenHeading } from '../../components/ScreenHeading';
import { useApp } from '../../store';

/** Whose turn it is and what the operator checked; the new hire types their code. */
export function WhoseTurn() {
  const { t } = useTranslation();
  const format = useFormats();
  const confirmation = useApp((s) => s.confirmation);
  const busy = useApp((s) => s.busy);
  const submitCode = useApp((s) => s.submitCode);
  const resetStation = useApp((s) => s.resetStation);
  const [code, setCode] = useState('');
  const hintId = useId();
  if (!confirmation) return null;

  const time = format.time(confirmation.confirmedAt);
  const checked = format.list(confirmation.checks.map((check) => t(`kiosk.checked.${check}`)));

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void submitCode(code);
  };

  return (
    <section>
      <ScreenHeading>{t('kiosk.turn.title', { name: confirmation.newHire.displayName })}</ScreenHeading>
      <p className="notice notice-info" role="status">
        {t('kiosk.turn.confirmedBy', {
          name: confirmation.newHire.displayName,
          operator: confirmation.operator.displayName,
          time,
          checked,
        })}
      </p>
      <p>{t('kiosk.turn.intro', { name: confirmation.newHire.displayName })}</p>
      <form onSubmit={onSubmit} noValidate>
        <label htmlFor="enrolment-code">{t('code.label')}</label>
        <input
          id="enrolment-code"
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
          }}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          aria-describedby={hintId}
          disabled={busy}
          className="code-input"
        />
        <p id={hintId} className="hint">
          {t('code.hint')}
        </p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            {busy ? t('code.submitting') : t('code.submit')}
          </button>
          <button type="button" className="secondary" onClick={() => void resetStation()}>
            {t('kiosk.turn.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
