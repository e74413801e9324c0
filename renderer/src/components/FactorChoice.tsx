import { useTranslation } from 'react-i18next';
import type { FactorKind, PolicyRequirement } from '../../../api/enrolment';

interface Props {
  allowed: readonly FactorKind[];
  requirements: readonly PolicyRequirement[];
  selected: FactorKind | null;
  usable: (factor: FactorKind) => boolean;
  onChoose: (factor: FactorKind) => void;
  /** Why a passkey cannot be made here, when main knows (an i18n key); the general reason otherwise. */
  passkeyUnavailable?: string | undefined;
}

/**
 * The kinds of key the organisation allows, and why. With one kind there is nothing to choose: it is
 * named in a sentence, never as "the options below".
 */
export function FactorChoice({
  allowed,
  requirements,
  selected,
  usable,
  onChoose,
  passkeyUnavailable = 'choose.passkeyUnavailable',
}: Props) {
  const { t } = useTranslation();
  const only = allowed.length === 1 ? allowed[0] : undefined;
  return (
    <>
      {only ? (
        <p>{usable(only) ? t(`choose.only.${only}`) : t(passkeyUnavailable)}</p>
      ) : (
        <fieldset className="choices">
          <legend>{t('choose.legend')}</legend>
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
                    onChoose(factor);
                  }}
                  aria-describedby={descriptionId}
                />
                <span className="choice-text">
                  <span className="choice-name">{t(`choose.${factor}.name`)}</span>
                  <span id={descriptionId} className="choice-description">
                    {disabled ? t(passkeyUnavailable) : t(`choose.${factor}.description`)}
                  </span>
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
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
    </>
  );
}
