import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackToStart } from '../components/BackToStart';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

/** Lost every sign-in key: a saved recovery code (with the username) opens a short recovery session. */
export function RecoverWithCode() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const recoverWithCode = useApp((s) => s.recoverWithCode);
  const goTo = useApp((s) => s.goTo);
  const [username, setUsername] = useState('');
  const [code, setCode] = useState('');

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void recoverWithCode(username.trim(), code);
  };

  return (
    <section>
      <ScreenHeading>{t('recover.title')}</ScreenHeading>
      <p>{t('recover.intro')}</p>
      <form onSubmit={onSubmit}>
        <label htmlFor="recover-username">{t('ways.username')}</label>
        <input
          id="recover-username"
          className="text-input"
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
          }}
          autoComplete="username"
          required
          disabled={busy}
        />
        <label htmlFor="recover-code">{t('recover.code')}</label>
        <input
          id="recover-code"
          className="code-input"
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
          }}
          autoComplete="off"
          spellCheck={false}
          required
          disabled={busy}
        />
        <p className="hint">{t('recover.hint')}</p>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !username.trim() || !code.trim()}>
            {t('recover.submit')}
          </button>
        </div>
      </form>
      <p>
        <button
          type="button"
          className="link"
          onClick={() => {
            goTo('helpdesk');
          }}
        >
          {t('recover.noCodes')}
        </button>
      </p>
      <BackToStart />
    </section>
  );
}
