import { useTranslation } from 'react-i18next';
import type { FactorKind } from '../../../../api/enrolment';
import { useApp } from '../../store';

/**
 * What this computer can and cannot make, as main found at start, next to the choice: why a passkey
 * is not offered here, and that FirstKey itself asks for a security key's PIN where the OS cannot.
 */
export function ComputerNote({ allowed }: { allowed: readonly FactorKind[] }) {
  const { t } = useTranslation();
  const computer = useApp((s) => s.computer);
  const kiosk = useApp((s) => s.kiosk);
  if (!computer || kiosk) return null;
  const noPasskey = allowed.includes('passkey') && !computer.passkey.offered;
  const ownPin = allowed.includes('security-key') && computer.securityKeyPin === 'firstkey';
  if (!noPasskey && !ownPin) return null;
  return (
    <div className="computer-note">
      {noPasskey && <p>{t(`nativeKey.computer.passkey.${computer.passkey.reason}`)}</p>}
      {ownPin && <p>{t('nativeKey.computer.securityKeyPin')}</p>}
    </div>
  );
}
