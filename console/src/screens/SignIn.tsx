import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FailureText } from '../components/FailureText';
import { useConsole } from '../store';

export function SignIn() {
  const { t } = useTranslation();
  const ended = useConsole((s) => s.ended);
  const signingIn = useConsole((s) => s.signingIn);
  const failure = useConsole((s) => s.signInFailure);
  const signIn = useConsole((s) => s.signIn);
  const [username, setUsername] = useState('');
  const field = useId();
  return (
    <main id="main" className="sign-in">
      <h1>{t('signIn.title')}</h1>
      {ended && (
        <p className="notice" role="status">
          {t(`signIn.ended.${ended}`)}
        </p>
      )}
      <p>{t('signIn.intro')}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (username.trim()) void signIn(username.trim());
        }}
      >
        <label htmlFor={field}>{t('signIn.username')}</label>
        <input
          id={field}
          name="username"
          autoComplete="username webauthn"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
          }}
          aria-describedby={failure ? `${field}-failure` : undefined}
        />
        <button type="submit" disabled={signingIn}>
          {t('signIn.submit')}
        </button>
      </form>
      {signingIn && <p role="status">{t('signIn.working')}</p>}
      <FailureText failure={failure} id={`${field}-failure`} />
    </main>
  );
}
