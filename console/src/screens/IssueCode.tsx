import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { FailureText } from '../components/FailureText';
import { ScreenHeading } from '../components/Heading';
import { QrCode } from '../components/QrCode';
import { useConsole } from '../store';

export function IssueCode() {
  const { t } = useTranslation();
  const formats = useFormats();
  const issued = useConsole((s) => s.issued);
  const failure = useConsole((s) => s.codeFailure);
  const issuing = useConsole((s) => s.issuing);
  const issueCode = useConsole((s) => s.issueCode);
  const forgetCode = useConsole((s) => s.forgetCode);
  const [username, setUsername] = useState('');
  const ids = useId();
  // Shown once: leaving the screen forgets it.
  useEffect(() => forgetCode, [forgetCode]);
  return (
    <section className="screen">
      <ScreenHeading>{t('codes.title')}</ScreenHeading>
      <p>{t('codes.intro')}</p>
      {!issued && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (username.trim()) void issueCode(username.trim());
          }}
        >
          <label htmlFor={`${ids}-user`}>{t('codes.username')}</label>
          <input
            id={`${ids}-user`}
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
          />
          <button type="submit" disabled={issuing}>
            {t('codes.submit')}
          </button>
        </form>
      )}
      <FailureText failure={failure} />
      {issued && (
        <div className="one-time" role="alert" aria-labelledby={`${ids}-issued`}>
          <h2 id={`${ids}-issued`}>{t('codes.issued', { username: issued.username })}</h2>
          <dl className="facts">
            <dt>{t('codes.code')}</dt>
            <dd className="code" data-testid="enrolment-code">
              {issued.code}
            </dd>
            <dt>{t('codes.link')}</dt>
            <dd className="link-text" data-testid="enrolment-link">
              {issued.link}
            </dd>
            <dt>{t('codes.qr')}</dt>
            <dd>
              <QrCode text={issued.link} label={t('codes.qrAlt', { url: issued.link })} />
            </dd>
          </dl>
          <p className="quiet">{t('codes.expires', { at: formats.moment(issued.expiresAt) })}</p>
          <p>{t('codes.once')}</p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              forgetCode();
              setUsername('');
            }}
          >
            {t('codes.another')}
          </button>
        </div>
      )}
    </section>
  );
}
