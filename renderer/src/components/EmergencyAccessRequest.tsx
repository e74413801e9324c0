import { useId, useRef, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MIN_EMERGENCY_MINUTES, MyEmergencyAccess, OwnedServiceAccount } from '../../../api/operations/emergency-access';
import { useApp } from '../store';

/** As the server counts it (api/operations/emergency-access.ts: trimmed, at least 10 characters). */
const MIN_REASON = 10;
const MAX_REASON = 500;
/** The contract's shortest window: the renderer takes only types from api/, and the type keeps the two equal. */
const MIN_MINUTES: typeof MIN_EMERGENCY_MINUTES = 5;

type Problem = 'reason' | 'minutes' | null;

/** "Ask for access": which service account (of those without an open grant), why, and for how long. The server checks all of it again. */
export function EmergencyAccessRequest({ mine, serviceAccounts }: { mine: MyEmergencyAccess; serviceAccounts: OwnedServiceAccount[] }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.emergencyBusy);
  const requestEmergency = useApp((s) => s.requestEmergency);
  const [serviceAccount, setServiceAccount] = useState(serviceAccounts[0]?.username ?? '');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(String(mine.defaultMinutes));
  const [problem, setProblem] = useState<Problem>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const minutesRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const ids = {
    title: `${id}-title`,
    service: `${id}-service`,
    reason: `${id}-reason`,
    reasonHint: `${id}-reason-hint`,
    reasonError: `${id}-reason-error`,
    minutes: `${id}-minutes`,
    minutesHint: `${id}-minutes-hint`,
    minutesError: `${id}-minutes-error`,
  };
  const limits = { min: MIN_MINUTES, max: mine.maxMinutes };
  const typed = reason.trim().length;
  const asMinutes = Number(minutes);
  const minutesOk = Number.isInteger(asMinutes) && asMinutes >= limits.min && asMinutes <= limits.max;

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    // aria-disabled rather than disabled while a call runs: the button keeps focus for keyboard users.
    if (busy) return;
    if (typed < MIN_REASON) {
      setProblem('reason');
      reasonRef.current?.focus();
      return;
    }
    if (!minutesOk) {
      setProblem('minutes');
      minutesRef.current?.focus();
      return;
    }
    setProblem(null);
    if (await requestEmergency({ serviceAccount, reason: reason.trim(), minutes: asMinutes })) {
      setReason('');
      setMinutes(String(mine.defaultMinutes));
    }
  };

  return (
    <form className="emergency-request" aria-labelledby={ids.title} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={ids.title} className="emergency-subtitle">
        {t('emergency.askTitle')}
      </h3>
      <label htmlFor={ids.service}>{t('emergency.serviceAccount')}</label>
      <select
        id={ids.service}
        className="text-input"
        value={serviceAccount}
        onChange={(e) => {
          setServiceAccount(e.target.value);
        }}
      >
        {serviceAccounts.map((account) => (
          <option key={account.username} value={account.username}>
            {account.displayName === account.username
              ? account.username
              : t('emergency.serviceAccountOption', { name: account.displayName, username: account.username })}
          </option>
        ))}
      </select>

      <label htmlFor={ids.reason}>{t('emergency.reason')}</label>
      <p id={ids.reasonHint} className="hint field-hint">
        {t('emergency.reasonHint')}
      </p>
      <textarea
        id={ids.reason}
        ref={reasonRef}
        className="text-input emergency-reason"
        rows={3}
        maxLength={MAX_REASON}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          if (problem === 'reason' && e.target.value.trim().length >= MIN_REASON) setProblem(null);
        }}
        aria-invalid={problem === 'reason'}
        aria-describedby={problem === 'reason' ? `${ids.reasonError} ${ids.reasonHint}` : ids.reasonHint}
      />
      {problem === 'reason' && (
        <p id={ids.reasonError} className="field-error">
          {t('emergency.reasonTooShort', { typed })}
        </p>
      )}

      <label htmlFor={ids.minutes}>{t('emergency.minutes')}</label>
      <p id={ids.minutesHint} className="hint field-hint">
        {t('emergency.minutesHint', limits)}
      </p>
      <input
        id={ids.minutes}
        ref={minutesRef}
        className="text-input emergency-minutes"
        type="number"
        inputMode="numeric"
        min={limits.min}
        max={limits.max}
        step={1}
        value={minutes}
        onChange={(e) => {
          setMinutes(e.target.value);
          if (problem === 'minutes') setProblem(null);
        }}
        aria-invalid={problem === 'minutes'}
        aria-describedby={problem === 'minutes' ? `${ids.minutesError} ${ids.minutesHint}` : ids.minutesHint}
      />
      {problem === 'minutes' && (
        <p id={ids.minutesError} className="field-error">
          {t('emergency.minutesInvalid', limits)}
        </p>
      )}

      <div className="actions">
        <button type="submit" className="primary" aria-disabled={busy} aria-busy={busy}>
          {t('emergency.submit')}
        </button>
      </div>
    </form>
  );
}
