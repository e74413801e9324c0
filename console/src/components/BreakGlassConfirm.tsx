import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConsole } from '../store';
import type { Failure } from '../store/types';
import { FailureText } from './FailureText';

/**
 * A custodian's confirmation: the reference the key holder reads out from their own screen, typed here
 * (the console never shows it), so the confirmation goes to the session in front of the custodian and
 * to no other one opened beside it. A sign-in too old to confirm gets the way to sign in again.
 */
export function BreakGlassConfirm() {
  const { t } = useTranslation();
  const busy = useConsole((s) => s.breakGlassBusy);
  const supervise = useConsole((s) => s.superviseBreakGlass);
  const signOut = useConsole((s) => s.signOut);
  const [reference, setReference] = useState('');
  const [failure, setFailure] = useState<Failure>(null);
  const id = useId();
  return (
    <>
      <form
        className="bg-confirm"
        onSubmit={(event) => {
          event.preventDefault();
          setFailure(null);
          void supervise(reference.trim()).then(setFailure);
        }}
      >
        <label htmlFor={`${id}-ref`}>{t('breakGlass.session.referenceLabel')}</label>
        <p className="quiet" id={`${id}-hint`}>
          {t('breakGlass.session.referenceHint')}
        </p>
        <input
          id={`${id}-ref`}
          className="bg-reference-input"
          aria-describedby={`${id}-hint`}
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={20}
          value={reference}
          onChange={(e) => {
            setReference(e.target.value);
          }}
        />
        <button type="submit" disabled={busy}>
          {t('breakGlass.custodians.confirm')}
        </button>
      </form>
      {failure?.code === 'reauth_required' ? (
        <div className="failure" role="alert">
          <p>{t('breakGlass.custodians.reauth')}</p>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            {t('breakGlass.custodians.signInAgain')}
          </button>
        </div>
      ) : (
        <FailureText failure={failure} />
      )}
    </>
  );
}
