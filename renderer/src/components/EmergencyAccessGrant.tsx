import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EmergencyGrantView } from '../../../api/operations/emergency-access';
import { useFormats } from '../i18n/use-formats';
import { useApp } from '../store';
import { EmergencyAccessToken } from './EmergencyAccessToken';

/** One character at a time, so a screen reader spells the reference instead of reading it as a word. */
const spelled = (reference: string) => reference.replace(/-/g, '').split('').join(' ');

/** The server records who decided or ended as its actor (`account:ida.admin`); people read the username. */
const person = (actor: string | null) => (actor?.startsWith('account:') ? actor.slice('account:'.length) : (actor ?? ''));

/** A time today reads as the time alone; one on another day (a window across midnight) with its date. */
function useWhen(): (at: string) => string {
  const { time, moment } = useFormats();
  return (at) => (new Date(at).toDateString() === new Date().toDateString() ? time(at) : moment(at));
}

/** What the grant's state means for the person now, in a sentence or two. */
function GrantStory({ grant, owner, tokenShown }: { grant: EmergencyGrantView; owner: string; tokenShown: boolean }) {
  const { t } = useTranslation();
  const when = useWhen();
  const who = person(grant.decidedBy);
  const ender = person(grant.endedBy);
  const why = grant.decisionReason ?? '';
  switch (grant.status) {
    case 'requested':
      return (
        <>
          <p>{t('emergency.grant.waiting')}</p>
          <p className="emergency-reference">
            {t('app.labelled', { label: t('emergency.grant.reference') })}
            <code className="reference" aria-hidden="true">
              {grant.reference}
            </code>
            <span className="visually-hidden">{spelled(grant.reference)}</span>
          </p>
          <p className="hint">{t('emergency.grant.lapses', { time: when(grant.expiresAt) })}</p>
        </>
      );
    case 'approved':
      return (
        <>
          <p>{t('emergency.grant.approved', { who, reason: why })}</p>
          <p>{t('emergency.grant.approvedWindow', { time: when(grant.expiresAt) })}</p>
        </>
      );
    case 'active':
      return (
        <>
          {/* With the token on screen, its own "Works until" says it. */}
          {!tokenShown && <p>{t('emergency.grant.active', { time: when(grant.expiresAt) })}</p>}
          <p className="hint">{grant.uses === 0 ? t('emergency.grant.unused') : t('emergency.grant.uses', { count: grant.uses })}</p>
        </>
      );
    case 'denied':
      return <p>{t('emergency.grant.denied', { who, reason: why })}</p>;
    case 'expired':
      return <p>{grant.decidedAt ? t('emergency.grant.expired', { time: when(grant.expiresAt) }) : t('emergency.grant.lapsed')}</p>;
    case 'ended':
      return (
        <p>
          {ender === owner || !ender
            ? t('emergency.grant.endedByYou', { time: when(grant.endedAt ?? grant.expiresAt) })
            : t('emergency.grant.endedBy', { who: ender, time: when(grant.endedAt ?? grant.expiresAt) })}
        </p>
      );
  }
}

/** One grant: its state in words, what was asked, and what the person can do about it now. */
export function EmergencyAccessGrant({ grant, service }: { grant: EmergencyGrantView; service: string }) {
  const { t } = useTranslation();
  const { moment } = useFormats();
  const when = useWhen();
  const busy = useApp((s) => s.emergencyBusy);
  const collected = useApp((s) => (s.emergencyToken?.grant.id === grant.id ? s.emergencyToken : null));
  const activate = useApp((s) => s.activateEmergency);
  const end = useApp((s) => s.endEmergency);
  const [confirming, setConfirming] = useState(false);
  const titleId = useId();
  const open = grant.status === 'requested' || grant.status === 'approved' || grant.status === 'active';

  // aria-disabled while a call runs, so the pressed button keeps focus; the call itself is ignored meanwhile.
  const whenFree = (run: () => void) => () => {
    if (!busy) run();
  };

  return (
    <li className={`emergency-grant emergency-grant-${grant.status}`} aria-labelledby={titleId}>
      <h4 id={titleId} className="emergency-grant-title">
        <span className="factor-name">{service}</span>
        <span className={`emergency-status emergency-status-${grant.status}`}>{t(`emergency.status.${grant.status}`)}</span>
      </h4>
      <GrantStory grant={grant} owner={grant.owner} tokenShown={collected !== null} />
      {collected && <EmergencyAccessToken collected={collected} service={service} until={when(collected.expiresAt)} />}
      <p className="factor-detail">
        {t('emergency.grant.asked', { moment: moment(grant.requestedAt), count: grant.minutes })}
        <br />
        {t('app.labelled', { label: t('emergency.reason') })}
        {grant.reason}
      </p>
      {open && confirming && (
        <div className="inline-form" role="group" aria-labelledby={`${titleId}-confirm`}>
          <p id={`${titleId}-confirm`}>
            {grant.status === 'requested' ? t('emergency.confirmWithdraw') : t('emergency.confirmEnd', { service })}
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              aria-disabled={busy}
              onClick={whenFree(() => {
                setConfirming(false);
                void end(grant.id);
              })}
            >
              {grant.status === 'requested' ? t('emergency.withdraw') : t('emergency.end')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setConfirming(false);
              }}
            >
              {t('emergency.keep')}
            </button>
          </div>
        </div>
      )}
      {open && !confirming && (
        <div className="actions">
          {grant.status === 'approved' && (
            <button
              type="button"
              className="primary"
              aria-disabled={busy}
              aria-busy={busy}
              aria-describedby={titleId}
              onClick={whenFree(() => void activate(grant.id))}
            >
              {t('emergency.start')}
            </button>
          )}
          <button
            type="button"
            className="secondary"
            aria-describedby={titleId}
            onClick={() => {
              setConfirming(true);
            }}
          >
            {grant.status === 'requested' ? t('emergency.withdraw') : t('emergency.end')}
          </button>
        </div>
      )}
    </li>
  );
}
