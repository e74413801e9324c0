import { useEffect, useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ExportDiagnostics } from '../components/ExportDiagnostics';
import type { PostureRefusal as PostureRefusalDetails } from '../../../api/posture';
import { PostureRefusal } from '../components/PostureRefusal';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';
import { blamesTheCode } from '../store/failures';

export function EnterCode() {
  const { t } = useTranslation();
  const keychainProblem = useApp((s) => s.keychainProblem);
  const checkDeviceKey = useApp((s) => s.checkDeviceKey);
  const helpId = useId();

  return (
    <section>
      <ScreenHeading>{t('code.title')}</ScreenHeading>
      {keychainProblem ? (
        <div className="keychain-problem">
          <p role="alert" className="notice notice-error">
            {t(`errors.api.${keychainProblem}`)}
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void checkDeviceKey()}>
              {t('code.keychainRetry')}
            </button>
          </div>
        </div>
      ) : (
        <CodeForm />
      )}
      <aside className="help" aria-labelledby={helpId}>
        <h2 id={helpId}>{t('help.title')}</h2>
        <p className="hint">{t('help.diagnostics')}</p>
        <ExportDiagnostics />
      </aside>
    </section>
  );
}

/** The code, and the other ways in: all of them need this computer's key, so none shows without a keychain. */
function CodeForm() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const launchCode = useApp((s) => s.launchCode);
  const submitCode = useApp((s) => s.submitCode);
  const notice = useApp((s) => s.notice);
  const goTo = useApp((s) => s.goTo);
  const openNewComputer = useApp((s) => s.openNewComputer);
  const [code, setCode] = useState(launchCode ?? '');
  const hintId = useId();

  useEffect(() => {
    if (launchCode) setCode(launchCode);
  }, [launchCode]);

  // The posture refusal stays on screen while Try again runs (submitting clears the notice), and goes with any other answer.
  const [lastPosture, setLastPosture] = useState<PostureRefusalDetails | null>(null);
  useEffect(() => {
    if (notice?.posture) setLastPosture(notice.posture);
    else if (!busy) setLastPosture(null);
  }, [notice, busy]);
  const posture = notice?.posture ?? (busy ? lastPosture : null);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void submitCode(code);
  };

  return (
    <>
      {/* A refusal for this computer's posture replaces the field: the same code goes again with Try again. */}
      {posture ? (
        <PostureRefusal refusal={posture} code={code} />
      ) : (
        <>
          <p>{t('code.intro')}</p>
          <form onSubmit={onSubmit} noValidate>
            <label htmlFor="enrolment-code">{t('code.label')}</label>
            <input
              id="enrolment-code"
              name="code"
              value={code}
              onChange={(e) => {
                setCode(e.target.value);
              }}
              autoComplete="one-time-code"
              autoCapitalize="characters"
              spellCheck={false}
              aria-describedby={hintId}
              aria-invalid={blamesTheCode(notice) ? true : undefined}
              disabled={busy}
              className="code-input"
            />
            <p id={hintId} className="hint">
              {t('code.hint')}
            </p>
            <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
              {busy ? t('code.submitting') : t('code.submit')}
            </button>
          </form>
        </>
      )}
      <nav className="ways" aria-label={t('ways.label')}>
        <button
          type="button"
          className="link"
          onClick={() => {
            goTo('signin');
          }}
        >
          {t('ways.haveKey')}
        </button>
        <button type="button" className="link" onClick={openNewComputer}>
          {t('ways.newComputer')}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            goTo('recover');
          }}
        >
          {t('ways.lostKey')}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            goTo('signin', 'manage');
          }}
        >
          {t('ways.manage')}
        </button>
      </nav>
    </>
  );
}
