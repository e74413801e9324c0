import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorKind } from '../../../api/enrolment';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

export function ChooseFactor() {
  const { t } = useTranslation();
  const session = useApp((s) => s.session);
  const allowed = session?.allowedFactors ?? [];
  const requirements = session?.requirements ?? [];
  const platformAvailable = useApp((s) => s.platformAvailable);
  const checkPlatform = useApp((s) => s.checkPlatform);
  const chooseFactor = useApp((s) => s.chooseFactor);
  const previous = useApp((s) => s.factor);
  const rebindHere = useApp((s) => s.rebindHere);
  const busy = useApp((s) => s.busy);

  // Asked afresh each time: a fingerprint reader or Windows Hello can be set up while the app runs.
  useEffect(() => {
    void checkPlatform();
  }, [checkPlatform]);

  const usable = (factor: FactorKind) => factor !== 'passkey' || platformAvailable !== false;
  const firstUsable = allowed.find(usable) ?? null;
  const [choice, setChoice] = useState<FactorKind | null>(previous && allowed.includes(previous) ? previous : null);
  const selected = choice && usable(choice) ? choice : firstUsable;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (selected) chooseFactor(selected);
  };

  return (
    <section>
      <ScreenHeading>{t('choose.title')}</ScreenHeading>
      <p>{t('choose.intro')}</p>
      {requirements.length > 0 && (
        <section className="requirements" aria-labelledby="requirements-title">
          <h2 id="requirements-title">{t('choose.requirementsTitle')}</h2>
          <ul>
            {requirements.map((r) => (
              <li key={r}>{t(`choose.requirement.${r}`)}</li>
            ))}
          </ul>
        </section>
      )}
      <form onSubmit={onSubmit}>
        <fieldset className="choices">
          <legend className="visually-hidden">{t('choose.legend')}</legend>
          {allowed.map((factor) => {
            const disabled = !usable(factor);
            const descriptionId = `factor-${factor}-description`;
            return (
              <label key={factor} className={disabled ? 'choice choice-disabled' : 'choice'}>
                <input
                  type="radio"
                  name="factor"
                  value={factor}
                  checked={selected === factor}
                  disabled={disabled}
                  onChange={() => {
                    setChoice(factor);
                  }}
                  aria-describedby={descriptionId}
                />
                <span className="choice-text">
                  <span className="choice-name">{t(`choose.${factor}.name`)}</span>
                  <span id={descriptionId} className="choice-description">
                    {disabled ? t('choose.passkeyUnavailable') : t(`choose.${factor}.description`)}
                  </span>
                </span>
              </label>
            );
          })}
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary" disabled={!selected || busy}>
            {t('choose.submit')}
          </button>
        </div>
      </form>
      {session?.purpose === 'replace' && (
        <section className="rebind" aria-labelledby="rebind-title">
          <h2 id="rebind-title">{t('choose.rebindTitle')}</h2>
          <p>{t('choose.rebindBody')}</p>
          <button type="button" className="secondary" onClick={() => void rebindHere()} disabled={busy}>
            {t('choose.rebind')}
          </button>
        </section>
      )}
    </section>
  );
}
