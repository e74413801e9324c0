import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CredentialView } from '../../../api/enrolment';
import { useFormats } from '../i18n/use-formats';

type Translate = ReturnType<typeof useTranslation>['t'];

/** What a person calls the factor: their own name, else the model's (from its AAGUID), else its kind. Never "Unknown authenticator". */
export function factorTitle(factor: Pick<CredentialView, 'name' | 'authenticatorName' | 'factor'>, t: Translate): string {
  return factor.name ?? factor.authenticatorName ?? t(`done.factor.${factor.factor}`);
}

interface Props {
  factor: CredentialView;
  lastUsedAt?: string | null;
  /** The card's own actions (rename, remove). */
  children?: ReactNode;
}

/** One sign-in key as the last screen and My security show it. */
export function FactorCard({ factor, lastUsedAt, children }: Props) {
  const { t } = useTranslation();
  const format = useFormats();
  const title = factorTitle(factor, t);
  const kind = t(`done.factor.${factor.factor}`);
  // Say what it is under a name that does not: the kind, and the model where the title is the person's own name.
  const model = factor.authenticatorName && factor.authenticatorName !== title ? factor.authenticatorName : null;
  const what = [title === kind ? null : kind, model].filter(Boolean).join(' · ');
  return (
    <li>
      <span className="factor-name">{title}</span>
      {what && <span className="factor-detail">{what}</span>}
      <span className="factor-detail">
        {t('done.registered')} {format.day(factor.createdAt)}
        {lastUsedAt ? ` · ${t('security.lastUsed', { date: format.day(lastUsedAt) })}` : ''}
      </span>
      {factor.expiresAt && <span className="factor-detail">{t('done.validUntil', { date: format.day(factor.expiresAt) })}</span>}
      {factor.status === 'suspended' && <span className="factor-detail">{t('security.suspended')}</span>}
      {children}
    </li>
  );
}
