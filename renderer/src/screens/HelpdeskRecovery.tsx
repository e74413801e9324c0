import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/use-formats';
import { BackToStart } from '../components/BackToStart';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

const POLL_MS = 10_000;

/** A request in one of these states can never yield a code: main has forgotten it, the person may file anew. */
const OVER = new Set(['denied', 'expired', 'redeemed', 'locked']);

/**
 * No factor and no recovery code: file a request, let the help desk verify the
 * person out of band, then enter the one-time code they give. The request is
 * tied to this computer; main keeps its id, across restarts, until it is used, denied or lapses.
 */
export function HelpdeskRecovery() {
  const { t } = useTranslation();
  const format = useFormats();
  const busy = useApp((s) => s.busy);
  const request = useApp((s) => s.helpdeskRequest);
  const fileHelpdeskRequest = useApp((s) => s.fileHelpdeskRequest);
  const refresh = useApp((s) => s.refreshHelpdeskRequest);
  const recoverWithHelpdeskCode = useApp((s) => s.recoverWithHelpdeskCode);
  const fileAnotherHelpdeskRequest = useApp((s) => s.fileAnotherHelpdeskRequest);
  const [username, setUsername] = useState('');
  const [code, setCode] = useState('');
  // A request filed before the app was last closed is main's to remember: ask before offering to file a new one.
  const [checked, setChecked] = useState(request !== null);

  useEffect(() => {
    if (checked) return;
    void refresh().finally(() => {
      setChecked(true);
    });
  }, [checked, refresh]);

  useEffect(() => {
    if (request?.status !== 'pending') return;
    const id = window.setInterval(() => void refresh(), POLL_MS);
    return () => {
      window.clearInterval(id);
    };
  }, [request?.status, refresh]);

  const file = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void fileHelpdeskRequest(username.trim());
  };
  const redeem = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void recoverWithHelpdeskCode(code);
  };

  if (!checked) {
    return (
      <section aria-busy="true">
        <ScreenHeading>{t('helpdesk.title')}</ScreenHeading>
        <BackToStart />
      </section>
    );
  }

  if (!request) {
    return (
      <section>
        <ScreenHeading>{t('helpdesk.title')}</ScreenHeading>
        <p>{t('helpdesk.intro')}</p>
        <form onSubmit={file}>
          <label htmlFor="helpdesk-username">{t('ways.username')}</label>
          <input
            id="helpdesk-username"
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
            <button type="submit" className="primary" disabled={busy || !username.trim()}>
              {t('helpdesk.file')}
            </button>
          </div>
        </form>
        <BackToStart />
      </section>
    );
  }

  const expires = format.moment(request.expiresAt);
  return (
    <section>
      <ScreenHeading>{t('helpdesk.filedTitle')}</ScreenHeading>
      <p className="identity">
        {t('app.labelled', { label: t('helpdesk.reference') })}
        <code className="reference">{request.reference}</code>
      </p>
      <p>{request.helpDeskContact ? t('helpdesk.contact', { contact: request.helpDeskContact }) : t('helpdesk.contactUnknown')}</p>
      <p>{t('helpdesk.filed')}</p>
      <p role="status">{t(`helpdesk.status.${request.status}`, { time: expires })}</p>
      {OVER.has(request.status) ? (
        <div className="actions">
          <button type="button" className="primary" onClick={fileAnotherHelpdeskRequest}>
            {t('helpdesk.fileAgain')}
          </button>
        </div>
      ) : (
        <form onSubmit={redeem}>
          <label htmlFor="helpdesk-code">{t('helpdesk.code')}</label>
          <input
            id="helpdesk-code"
            className="code-input"
            value={code}
            onChange={(e) => {
              setCode(e.target.value);
            }}
            autoComplete="one-time-code"
            spellCheck={false}
            disabled={busy}
          />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !code.trim()}>
              {t('helpdesk.submit')}
            </button>
          </div>
        </form>
      )}
      <BackToStart />
    </section>
  );
}
