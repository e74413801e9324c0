import { useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { failureMessage } from '../components/failure-message';
import { ScreenHeading } from '../components/Heading';
import { QrCode } from '../components/QrCode';
import { UsernameForm } from '../components/UsernameForm';
import { useConsole } from '../store';

export function IssueCode() {
  const { t } = useTranslation();
  const formats = useFormats();
  const issued = useConsole((s) => s.issued);
  const failure = useConsole((s) => s.codeFailure);
  const issuing = useConsole((s) => s.issuing);
  const issueCode = useConsole((s) => s.issueCode);
  const forgetCode = useConsole((s) => s.forgetCode);
  const ids = useId();
  // Shown once: leaving the screen forgets it.
  useEffect(() => forgetCode, [forgetCode]);
  return (
    <section className="screen">
      <ScreenHeading>{t('codes.title')}</ScreenHeading>
      <p>{t('codes.intro')}</p>
      {!issued && (
        <UsernameForm
          labelKey="codes.username"
          submitKey="codes.submit"
          busy={issuing}
          error={failureMessage(t, failure)}
          onSubmit={(username) => void issueCode(username)}
        />
      )}
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
            }}
          >
            {t('codes.another')}
          </button>
        </div>
      )}
    </section>
  );
}
