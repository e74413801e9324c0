import { useTranslation } from 'react-i18next';
import type { FactorKind } from '../../../../api/enrolment';
import { useApp } from '../../store';

/**
 * Next to the choice: FirstKey itself asks for a security key's PIN where the OS cannot (why a
 * passkey is not offered is said in the choice itself, FactorChoice's passkeyUnavailable).
 */
export function ComputerNote({ allowed }: { allowed: readonly FactorKind[] }) {
  const { t } = useTranslation();
  const computer = useApp((s) => s.computer);
  const kiosk = useApp((s) => s.kiosk);
  if (!computer || kiosk) return null;
  if (!allowed.includes('security-key') || computer.securityKeyPin !== 'firstkey') return null;
  return <p className="computer-note">{t('nativeKey.computer.securityKeyPin')}</p>;
}
