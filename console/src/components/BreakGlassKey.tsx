import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { BreakGlassCeremonyKey } from '../api/types';
import { useConsole } from '../store';
import type { Failure } from '../store/types';
import { FailureText } from './FailureText';

/**
 * One key of a break-glass account: which one it is (its place in the order the keys were touched, its
 * model, when), and who keeps it where, recorded before the enrolment can finish.
 */
export function BreakGlassKey({ keyView, position }: { keyView: BreakGlassCeremonyKey; position: number }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const label = useConsole((s) => s.labelBreakGlassKey);
  const busy = useConsole((s) => s.breakGlassBusy);
  const [custodian, setCustodian] = useState(keyView.custodian ?? '');
  const [location, setLocation] = useState(keyView.location ?? '');
  const [outcome, setOutcome] = useState<{ failure: Failure } | null>(null);
  const ids = useId();
  const labelled = keyView.custodian !== null && keyView.location !== null;
  // A recorded key shows its record; the form comes back only to change it.
  const [editing, setEditing] = useState(!labelled);
  return (
    <li className="bg-key" aria-labelledby={`${ids}-name`}>
      <h4 id={`${ids}-name`}>{t('breakGlass.key.name', { position, model: keyView.model ?? t('breakGlass.key.model') })}</h4>
      <p className="quiet">
        {t(`breakGlass.key.${keyView.status}`, { at: formats.moment(keyView.addedAt) })}
        <br />
        {labelled
          ? t('breakGlass.key.keptBy', { custodian: keyView.custodian, location: keyView.location })
          : t('breakGlass.key.unlabelled')}
      </p>
      {!editing && (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setOutcome(null);
            setEditing(true);
          }}
        >
          {t('breakGlass.key.change', { position })}
        </button>
      )}
      {editing && (
        <form
          className="bg-label"
          onSubmit={(event) => {
            event.preventDefault();
            if (!custodian.trim() || !location.trim()) return;
            void label(keyView.factorId, { custodian: custodian.trim(), location: location.trim() }).then((failure) => {
              setOutcome({ failure });
              if (!failure) setEditing(false);
            });
          }}
        >
          <label htmlFor={`${ids}-custodian`}>{t('breakGlass.key.custodian')}</label>
          <input
            id={`${ids}-custodian`}
            required
            maxLength={120}
            value={custodian}
            onChange={(e) => {
              setCustodian(e.target.value);
            }}
          />
          <label htmlFor={`${ids}-location`}>{t('breakGlass.key.location')}</label>
          <input
            id={`${ids}-location`}
            required
            maxLength={200}
            aria-describedby={`${ids}-hint`}
            value={location}
            onChange={(e) => {
              setLocation(e.target.value);
            }}
          />
          <p className="quiet hint" id={`${ids}-hint`}>
            {t('breakGlass.key.locationHint')}
          </p>
          <button type="submit" disabled={busy}>
            {labelled ? t('breakGlass.key.update', { position }) : t('breakGlass.key.save', { position })}
          </button>
        </form>
      )}
      {outcome?.failure === null && <p role="status">{t('breakGlass.key.saved', { position })}</p>}
      <FailureText failure={outcome?.failure ?? null} />
    </li>
  );
}
