import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';

/**
 * A mover's notice (api/security.ts MoverCompliance): after a role change their keys may fall short of the new
 * role's requirements. Until they add one that meets them, what to add and by when; afterwards, when the old
 * ones stop. The server decides both; the app only says it.
 */
export function RoleChangeNotice() {
  const { t } = useTranslation();
  const format = useFormats();
  const compliance = useApp((s) => s.overview?.compliance);
  if (!compliance) return null;
  const date = format.day(compliance.deadline);
  if (!compliance.actionRequired) {
    return (
      <p className="hint" role="status">
        {t('movers.oldKeysStop', { date })}
      </p>
    );
  }
  const onlySecurityKeys = compliance.acceptedFactors.every((f) => f === 'security-key');
  return (
    <div className="notice notice-info" role="status">
      <p className="notice-title">{t(onlySecurityKeys ? 'movers.addSecurityKeyBy' : 'movers.addKeyBy', { date })}</p>
      <p>{t('movers.why', { date })}</p>
    </div>
  );
}

/** On a factor's card: this one falls short of the new role and stops working at the deadline. */
export function FactorStopsNotice({ factorId }: { factorId: string }) {
  const { t } = useTranslation();
  const format = useFormats();
  const compliance = useApp((s) => s.overview?.compliance);
  if (!compliance?.nonCompliantFactorIds.includes(factorId)) return null;
  return <p className="hint">{t('movers.factorStops', { date: format.day(compliance.deadline) })}</p>;
}
