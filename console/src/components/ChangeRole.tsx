import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { PersonView } from '../api/types';
import { useConsole } from '../store';
import { FailureText } from './FailureText';

type Employment = 'employee' | 'contractor';

/** A mover: a new HR role or employment type, and what the new tier means for the person's factors. */
export function ChangeRole({ person }: { person: PersonView }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const move = useConsole((s) => s.move);
  const failure = useConsole((s) => s.moveFailure);
  const changeRole = useConsole((s) => s.changeRole);
  const [role, setRole] = useState('');
  const [employment, setEmployment] = useState<Employment>('employee');
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const shown = move?.username === person.username ? move : null;
  return (
    <>
      <h3>{t('movers.title')}</h3>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          const trimmed = role.trim();
          void changeRole(person.username, {
            ...(trimmed ? { role: trimmed } : {}),
            employmentType: employment,
          }).finally(() => {
            setBusy(false);
          });
        }}
      >
        <label htmlFor={`${ids}-role`}>{t('movers.role')}</label>
        <input
          id={`${ids}-role`}
          autoCapitalize="none"
          spellCheck={false}
          value={role}
          onChange={(e) => {
            setRole(e.target.value);
          }}
        />
        <label htmlFor={`${ids}-type`}>{t('movers.employment')}</label>
        <select
          id={`${ids}-type`}
          value={employment}
          onChange={(e) => {
            setEmployment(e.target.value === 'contractor' ? 'contractor' : 'employee');
          }}
        >
          <option value="employee">{t('movers.employee')}</option>
          <option value="contractor">{t('movers.contractor')}</option>
        </select>
        <button type="submit" disabled={busy}>
          {t('movers.submit')}
        </button>
      </form>
      <FailureText failure={failure} />
      {shown && (
        <div role="status">
          <p>
            {shown.changed
              ? t('movers.moved', { tier: shown.tier ?? t('movers.noTier'), role: shown.role })
              : t('movers.unchanged', { role: shown.role })}
          </p>
          {shown.compliance && shown.compliance.nonCompliantFactorIds.length > 0 && (
            <p>
              {t('movers.shortfall', {
                count: shown.compliance.nonCompliantFactorIds.length,
                deadline: formats.moment(shown.compliance.deadline),
                person: person.displayName,
              })}
            </p>
          )}
        </div>
      )}
    </>
  );
}
