import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackToStart } from '../components/BackToStart';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

const POLL_MS = 10_000;

/**
 * No factor and no recovery code: file a request, let the help desk verify the
 * person out of band, then enter the one-time code they give. The request is
 * tied to this computer; main keeps its id.
 */
export function HelpdeskRecovery() {
  const { t, i18n } = useTranslation();
  const busy = useApp((s) => s.busy);
  const request = useApp((s) => s.helpdeskRequest);
  const fileHelpdeskRequest = useApp((s) => s.fileHelpdeskRequest);
  const refresh = useApp((s) => s.refreshHelpdeskRequest);
  const recoverWithHelpdeskCode = useApp((s) => s.recoverWithHelpdeskCode);
  const [username, setUsername] = useState('');
  const [code, setCode] = useState('');

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

  const expires = new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short', dateStyle: 'medium' }).format(new Date(request.expiresAt));
  return (
    <section>
      <ScreenHeading>{t('helpdesk.filedTitle')}</ScreenHeading>
      <p>{t('helpdesk.filed')}</p>
      <p className="identity">
        {t('helpdesk.reference')}: <code className="reference">{request.id.slice(0, 8).toUpperCase()}</code>
      </p>
      <p role="status">{t(`helpdesk.status.${request.status}`, { time: expires })}</p>
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
      <BackToStart />
    </section>
  );
}
