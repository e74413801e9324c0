import { useEffect, useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';

/**
 * My security on the old computer: type the code a new computer shows, see which computer asked,
 * and say whether it is yours. The server decides whether this session may (a fresh sign-in of
 * the same person); this only asks.
 */
export function ApproveNewComputer() {
  const { t } = useTranslation();
  const { time } = useFormats();
  const busy = useApp((s) => s.busy);
  const candidate = useApp((s) => s.approvalCandidate);
  const decided = useApp((s) => s.approvalDecided);
  const findApproval = useApp((s) => s.findApproval);
  const decideApproval = useApp((s) => s.decideApproval);
  const resetApproval = useApp((s) => s.resetApproval);
  const [code, setCode] = useState('');
  const titleId = useId();
  const questionId = useId();

  // Leaving My security forgets a half-done approval: the next visit starts from the code.
  useEffect(() => resetApproval, [resetApproval]);

  const find = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void findApproval(code);
  };

  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId} className="section-title">
        {t('approval.old.title')}
      </h2>
      {candidate ? (
        <div className="approval-candidate" role="group" aria-labelledby={questionId}>
          <p id={questionId}>
            <strong>{t('approval.old.question')}</strong>
          </p>
          <p className="identity">{candidate.device.name}</p>
          <p>
            {t('approval.old.details', {
              // The name already says the system as the OS names it ("Debian GNU/Linux 12"); the platform confirms it.
              system: t(`approval.platform.${candidate.device.platform}`),
              time: time(candidate.createdAt),
            })}
          </p>
          <p className="hint">{t('approval.old.warning')}</p>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void decideApproval('approve')}>
              {t('approval.old.approve')}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void decideApproval('deny')}>
              {t('approval.old.deny')}
            </button>
          </div>
        </div>
      ) : (
        <>
          {decided && (
            <p role="status" className="notice notice-info">
              {t(`approval.old.${decided}`)}
            </p>
          )}
          <p>{t('approval.old.intro')}</p>
          <form onSubmit={find} noValidate>
            <label htmlFor="approval-code">{t('approval.old.code')}</label>
            <input
              id="approval-code"
              className="code-input"
              value={code}
              onChange={(e) => {
                setCode(e.target.value);
              }}
              autoCapitalize="characters"
              autoComplete="off"
              spellCheck={false}
              disabled={busy}
            />
            <div className="actions">
              <button type="submit" className="secondary" disabled={busy || !code.trim()}>
                {t('approval.old.find')}
              </button>
            </div>
          </form>
        </>
      )}
    </section>
  );
}
