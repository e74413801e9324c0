import { useEffect, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { FactorKind } from '../../../api/enrolment';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';
import { FactorChoice } from '../components/FactorChoice';
import { KeyName } from '../components/KeyName';
import { ComputerNote } from './native-key/ComputerNote';

/**
 * Who the session is for, and which key to make, answered with one button ("This is me: create my
 * passkey"): confirming the name and choosing the factor are one decision, so they are one action.
 * A session opened with a key the person already holds (replace, manage) has nobody to confirm.
 */
export function ConfirmIdentity() {
  const { t } = useTranslation();
  const session = useApp((s) => s.session);
  const platformAvailable = useApp((s) => s.platformAvailable);
  const checkPlatform = useApp((s) => s.checkPlatform);
  const chooseFactor = useApp((s) => s.chooseFactor);
  const rejectIdentity = useApp((s) => s.rejectIdentity);
  const backToSecurity = useApp((s) => s.backToSecurity);
  const rebindHere = useApp((s) => s.rebindHere);
  const previous = useApp((s) => s.factor);
  const busy = useApp((s) => s.busy);
  // Why a passkey is not offered, where main knows (no Touch ID configured, Linux): said in the choice itself.
  const passkeyReason = useApp((s) =>
    s.computer?.passkey.offered === false ? `nativeKey.computer.passkey.${s.computer.passkey.reason}` : undefined,
  );
  // A session an old computer approved was opened by no key held here: there is nothing to move.
  const approvalSessionId = useApp((s) => s.approvalSessionId);

  // Asked afresh each time: a fingerprint reader or Windows Hello can be set up while the app runs.
  useEffect(() => {
    void checkPlatform();
  }, [checkPlatform]);

  const allowed = session?.allowedFactors ?? [];
  const usable = (factor: FactorKind) => factor !== 'passkey' || platformAvailable !== false;
  const [choice, setChoice] = useState<FactorKind | null>(previous && allowed.includes(previous) ? previous : null);
  if (!session) return null;
  const selected = choice && usable(choice) ? choice : (allowed.find(usable) ?? null);
  const confirming = session.purpose === 'enrol' || session.purpose === 'recover';

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (selected) chooseFactor(selected);
  };

  return (
    <section>
      <ScreenHeading>{confirming ? t('confirm.title') : t('confirm.addTitle')}</ScreenHeading>
      {confirming && (
        <>
          <p>{t('confirm.intro')}</p>
          <div className="identity">
            <p className="identity-name">{session.user.displayName}</p>
            <p className="identity-username">
              {t('app.labelled', { label: t('confirm.username') })}
              <span>{session.user.username}</span>
            </p>
          </div>
        </>
      )}
      <form onSubmit={onSubmit}>
        <FactorChoice
          allowed={allowed}
          requirements={session.requirements}
          selected={selected}
          usable={usable}
          onChoose={setChoice}
          passkeyUnavailable={passkeyReason}
        />
        <ComputerNote allowed={allowed} />
        {selected && <KeyName factor={selected} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={!selected || busy}>
            {selected ? t(`confirm.${confirming ? 'create' : 'add'}.${selected}`) : t('choose.noneUsable')}
          </button>
          {confirming ? (
            <button type="button" className="secondary" onClick={() => void rejectIdentity()}>
              {t('confirm.no')}
            </button>
          ) : (
            session.purpose === 'manage' && (
              <button type="button" className="secondary" onClick={backToSecurity}>
                {t('confirm.backToSecurity')}
              </button>
            )
          )}
        </div>
      </form>
      {session.purpose === 'replace' && session.id !== approvalSessionId && (
        <section className="rebind" aria-labelledby="rebind-title">
          <h2 id="rebind-title">{t('choose.rebindTitle')}</h2>
          <p>{t('choose.rebindBody')}</p>
          <button type="button" className="secondary" onClick={() => void rebindHere()} disabled={busy}>
            {t('choose.rebind')}
          </button>
        </section>
      )}
    </section>
  );
}
