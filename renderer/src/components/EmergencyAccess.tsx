import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { EmergencyGrantStatus } from '../../../api/operations/emergency-access';
import { formatLocale } from '../i18n/format';
import { useApp } from '../store';
import { REAUTH_NOTICE } from '../store/emergency-slice';
import { EmergencyAccessGrant } from './EmergencyAccessGrant';
import { EmergencyAccessRequest } from './EmergencyAccessRequest';
import './EmergencyAccess.css';

const OPEN: ReadonlySet<EmergencyGrantStatus> = new Set(['requested', 'approved', 'active']);

/** What the last call did or why it failed, in the section itself: it takes focus, so nobody has to find it. */
function EmergencyFeedback() {
  const { t } = useTranslation();
  const notice = useApp((s) => s.emergencyNotice);
  const done = useApp((s) => s.emergencyDone);
  const busy = useApp((s) => s.emergencyBusy);
  const confirmWithKey = useApp((s) => s.confirmEmergencyWithKey);
  const signingIn = useApp((s) => s.busy);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (notice || done) ref.current?.focus();
  }, [notice, done]);

  if (notice) {
    const reauth = notice.key === REAUTH_NOTICE;
    return (
      <div ref={ref} tabIndex={-1} className="notice notice-error emergency-feedback" role="alert">
        <p>{reauth ? t('emergency.reauth') : t(notice.key, notice.values ?? {})}</p>
        {reauth && (
          <div className="actions">
            <button
              type="button"
              className="primary"
              aria-disabled={busy || signingIn}
              aria-busy={signingIn}
              onClick={() => {
                if (!busy && !signingIn) void confirmWithKey();
              }}
            >
              {t('emergency.confirmWithKey')}
            </button>
          </div>
        )}
      </div>
    );
  }
  if (done) {
    return (
      <p ref={ref} tabIndex={-1} className="notice notice-info emergency-feedback" role="status">
        {t(`emergency.done.${done}`)}
      </p>
    );
  }
  return null;
}

/**
 * My security, "Act for a service account": only for someone IT named as the owner of a service account.
 * They ask with a reason and a window, an admin approves, and they collect a short-lived token once.
 */
export function EmergencyAccess() {
  const { t, i18n } = useTranslation();
  const mine = useApp((s) => s.emergency);
  const busy = useApp((s) => s.emergencyBusy);
  const checkedAt = useApp((s) => s.emergencyCheckedAt);
  const load = useApp((s) => s.loadEmergency);
  const forget = useApp((s) => s.forgetEmergency);
  const titleId = useId();
  const listId = useId();

  // Leaving My security forgets the grants and any token shown: the next visit asks the server again.
  useEffect(() => {
    void load();
    return forget;
  }, [load, forget]);

  if (!mine || mine.serviceAccounts.length === 0) return null;
  // One open request or grant per service account (the server refuses a second): offer only the others.
  const askable = mine.serviceAccounts.filter((a) => !mine.grants.some((g) => g.serviceAccount === a.username && OPEN.has(g.status)));
  const names = new Map(mine.serviceAccounts.map((a) => [a.username, a.displayName]));
  const serviceName = (username: string) => {
    const name = names.get(username);
    return name && name !== username ? t('emergency.serviceAccountOption', { name, username }) : username;
  };
  // To the second: "Check again" visibly did something even when nothing changed.
  const clock = new Intl.DateTimeFormat(formatLocale(i18n.language, navigator.languages), { timeStyle: 'medium' });

  return (
    <section aria-labelledby={titleId} className="emergency">
      <h2 id={titleId} className="section-title">
        {t('emergency.title')}
      </h2>
      <p>{t('emergency.intro')}</p>
      <EmergencyFeedback />
      {/* Grants first: coming back to check or to start is more common than asking. */}
      {mine.grants.length > 0 && (
        <>
          <div className="emergency-mine-head">
            <h3 id={listId} className="emergency-subtitle">
              {t('emergency.mineTitle')}
            </h3>
            <button
              type="button"
              className="secondary"
              aria-disabled={busy}
              aria-busy={busy}
              onClick={() => {
                if (!busy) void load();
              }}
            >
              {t('emergency.checkAgain')}
            </button>
          </div>
          <p role="status" className="hint emergency-checked">
            {checkedAt !== null ? t('emergency.checkedAt', { time: clock.format(new Date(checkedAt)) }) : ''}
          </p>
          <ul className="factors emergency-grants" aria-labelledby={listId}>
            {mine.grants.map((grant) => (
              <EmergencyAccessGrant key={grant.id} grant={grant} service={serviceName(grant.serviceAccount)} />
            ))}
          </ul>
        </>
      )}
      {askable.length > 0 ? (
        // A new form when the choice changes, so it never holds a service account it no longer offers.
        <EmergencyAccessRequest key={askable.map((a) => a.username).join(' ')} mine={mine} serviceAccounts={askable} />
      ) : (
        <p className="hint">{t('emergency.allOpen')}</p>
      )}
    </section>
  );
}
