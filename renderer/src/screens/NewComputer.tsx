import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FiledApproval } from '../../../api/device-approval';
import { BackToStart } from '../components/BackToStart';
import { ScreenHeading } from '../components/ScreenHeading';
import { formatLocale } from '../i18n/format';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';

/** Often enough that approving on the old computer feels like it carries straight on here. */
const POLL_MS = 3_000;

/**
 * The new computer of someone whose passkey lives on their old computer: it asks to be approved
 * from there and shows a short code to type on the old one, then waits. The request is bound to
 * this computer's key in main; an approval opens a session here and nowhere else.
 */
export function NewComputer() {
  const request = useApp((s) => s.approvalRequest);
  return request ? <Waiting request={request} /> : <Ask />;
}

function Ask() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const askForApproval = useApp((s) => s.askForApproval);
  const [username, setUsername] = useState('');

  const ask = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void askForApproval(username.trim());
  };

  return (
    <section>
      <ScreenHeading>{t('approval.new.title')}</ScreenHeading>
      <p>{t('approval.new.intro')}</p>
      <form onSubmit={ask}>
        <label htmlFor="approval-username">{t('ways.username')}</label>
        <input
          id="approval-username"
          className="text-input"
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
          }}
          autoComplete="username"
          required
          disabled={busy}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !username.trim()} aria-busy={busy}>
            {t('approval.new.ask')}
          </button>
        </div>
      </form>
      <BackToStart />
    </section>
  );
}

/** "1 2 3 4 5 6": a screen reader reads each digit, not "one hundred twenty-three thousand". */
/** One character at a time, so a screen reader spells the code instead of reading it as a word. */
const spokenCharacters = (code: string) => code.replace(/[\s-]/g, '').split('').join(' ');

function Waiting({ request }: { request: FiledApproval }) {
  const { t, i18n } = useTranslation();
  const checking = useApp((s) => s.approvalChecking);
  const checkedAt = useApp((s) => s.approvalCheckedAt);
  const checkApproval = useApp((s) => s.checkApproval);
  const openNewComputer = useApp((s) => s.openNewComputer);
  const pending = request.status === 'pending';

  useEffect(() => {
    if (!pending) return;
    const id = window.setInterval(() => void checkApproval(), POLL_MS);
    return () => {
      window.clearInterval(id);
    };
  }, [pending, checkApproval]);

  const { time } = useFormats();
  // To the second: a check every few seconds shows it is still looking.
  const clock = new Intl.DateTimeFormat(formatLocale(i18n.language, navigator.languages), { timeStyle: 'medium' });

  if (!pending) {
    const over = request.status === 'denied' ? 'denied' : 'expired';
    return (
      <section>
        <ScreenHeading>{t(`approval.new.${over}Title`)}</ScreenHeading>
        <p role="alert">{t(`approval.new.${over}`)}</p>
        <div className="actions">
          <button type="button" className="primary" onClick={openNewComputer}>
            {t('approval.new.again')}
          </button>
        </div>
        <BackToStart />
      </section>
    );
  }

  return (
    <section>
      <ScreenHeading>{t('approval.new.waitingTitle')}</ScreenHeading>
      <p>{t('approval.new.codeLabel')}</p>
      <p className="approval-code">
        <span aria-hidden="true">{request.code}</span>
        <span className="visually-hidden">{spokenCharacters(request.code)}</span>
      </p>
      <ol className="approval-steps">
        <li>{t('approval.new.step1')}</li>
        <li>{t('approval.new.step2')}</li>
        <li>{t('approval.new.step3')}</li>
      </ol>
      <p role="status" aria-live="polite" className="approval-progress">
        {checking ? t('approval.new.checking') : t('approval.new.waiting', { time: time(request.expiresAt) })}
        {checkedAt !== null && !checking && (
          <span className="hint"> {t('approval.new.checkedAt', { time: clock.format(new Date(checkedAt)) })}</span>
        )}
      </p>
      <div className="actions">
        <button type="button" className="secondary" disabled={checking} aria-busy={checking} onClick={() => void checkApproval()}>
          {t('approval.new.checkAgain')}
        </button>
      </div>
      <BackToStart />
    </section>
  );
}
