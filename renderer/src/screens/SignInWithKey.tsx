import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BackToStart } from '../components/BackToStart';
import { PostureRefusalAtSignIn } from '../components/PostureRefusal';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';

/** A new computer, a key still in hand: prove it with the key, then add a factor here or move the key. */
export function SignInWithKey() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const signInWithKey = useApp((s) => s.signInWithKey);
  const cancel = useApp((s) => s.cancelSignIn);
  const purpose = useApp((s) => s.signinPurpose);
  const notice = useApp((s) => s.notice);
  const [username, setUsername] = useState('');

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void signInWithKey(username.trim());
  };

  return (
    <section>
      <ScreenHeading>{t('signin.title')}</ScreenHeading>
      <p>{t(purpose === 'manage' ? 'signin.introManage' : 'signin.intro')}</p>
      <form onSubmit={onSubmit}>
        <label htmlFor="signin-username">{t('ways.username')}</label>
        <input
          id="signin-username"
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
            {t('signin.submit')}
          </button>
          {busy && (
            <button type="button" className="secondary" onClick={cancel}>
              {t('ceremony.cancel')}
            </button>
          )}
        </div>
        <div className="progress" role="status">
          {busy && (
            <>
              <span className="spinner" aria-hidden="true" />
              <span>{t('signin.waiting')}</span>
            </>
          )}
        </div>
      </form>
      {notice?.posture && <PostureRefusalAtSignIn refusal={notice.posture} />}
      <BackToStart />
    </section>
  );
}
