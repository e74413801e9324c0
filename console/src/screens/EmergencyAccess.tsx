import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { EmergencyGrantView } from '../api/types';
import { EmergencyDecision } from '../components/EmergencyDecision';
import { EmergencyGrantRow } from '../components/EmergencyGrantRow';
import { EMERGENCY_STATUSES, waitingFirst } from '../components/emergency-text';
import { ScreenHeading } from '../components/Heading';
import { useConsole } from '../store';
import type { EmergencyAction, EmergencyFilter } from '../store/emergency-slice';
import '../components/emergency.css';

type Open = { action: EmergencyAction; grant: EmergencyGrantView } | null;

/**
 * Emergency access to service accounts: the report every holder of emergency:read sees, and for
 * holders of emergency:decide the decisions on it. Requests waiting for a decision come first.
 */
export function EmergencyAccess() {
  const { t } = useTranslation();
  const formats = useFormats();
  const grants = useConsole((s) => s.emergencyGrants);
  const filter = useConsole((s) => s.emergencyFilter);
  const loading = useConsole((s) => s.emergencyLoading);
  const failure = useConsole((s) => s.emergencyFailure);
  const load = useConsole((s) => s.loadEmergencyGrants);
  const forget = useConsole((s) => s.forgetEmergencyGrants);
  const decide = useConsole((s) => s.decideEmergency);
  const canDecide = useConsole((s) => s.can('emergency:decide'));
  const me = useConsole((s) => s.agent?.username.toLowerCase() ?? null);
  const [open, setOpen] = useState<Open>(null);
  const [done, setDone] = useState<{ action: EmergencyAction; grant: EmergencyGrantView } | null>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const ids = useId();

  useEffect(() => {
    void load('all');
    // What this screen showed leaves memory with it (a sign-out unmounts it too).
    return forget;
  }, [load, forget]);
  useEffect(() => {
    // The button that opened the dialog may be gone (a decided request has no Approve): the result takes focus.
    if (done) doneRef.current?.focus();
  }, [done]);

  const rows = waitingFirst(grants);
  const waiting = grants.filter((g) => g.status === 'requested').length;
  const current = done ? (grants.find((g) => g.id === done.grant.id) ?? done.grant) : null;
  return (
    <section aria-labelledby={`${ids}-title`} className="screen emergency">
      <div className="title-row" id={`${ids}-title`}>
        <ScreenHeading>{t('emergency.title')}</ScreenHeading>
        <button type="button" className="secondary" onClick={() => void load()} disabled={loading}>
          {t('queue.refresh')}
        </button>
      </div>
      <p>{t('emergency.intro')}</p>
      {!canDecide && <p className="notice">{t('emergency.readOnly')}</p>}

      <div className="field-row filter">
        <label htmlFor={`${ids}-filter`}>{t('emergency.filter')}</label>
        <select
          id={`${ids}-filter`}
          value={filter}
          onChange={(e) => {
            setDone(null);
            void load(e.target.value as EmergencyFilter);
          }}
        >
          <option value="all">{t('emergency.all')}</option>
          {EMERGENCY_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`emergency.status.${s}`)}
            </option>
          ))}
        </select>
      </div>

      {current && (
        <p className="notice done" role="status" tabIndex={-1} ref={doneRef}>
          {t(`emergency.done.${done?.action ?? 'end'}`, {
            reference: current.reference,
            service: current.serviceAccount,
            at: formats.moment(current.expiresAt),
          })}
        </p>
      )}
      {failure && (
        <div role="alert">
          <p className="failure">{t(`errors.${failure.code}`, { defaultValue: t('errors.unknown') })}</p>
        </div>
      )}
      {loading && grants.length === 0 && <p role="status">{t('app.loading')}</p>}
      {!loading && !failure && grants.length === 0 && (
        <p className="empty">
          {filter === 'all'
            ? t('emergency.empty')
            : t('emergency.emptyFiltered', { status: t(`emergency.status.${filter}`), all: t('emergency.all') })}
        </p>
      )}
      {grants.length > 0 && (
        <>
          <p className="quiet" aria-live="polite">
            {waiting > 0 ? t('emergency.waiting', { count: waiting }) : t('emergency.noneWaiting')}
          </p>
          <div className="table-wrap">
            <table className="stack grants">
              <caption className="visually-hidden">{t('emergency.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('emergency.col.reference')}</th>
                  <th scope="col">{t('emergency.col.service')}</th>
                  <th scope="col">{t('emergency.col.owner')}</th>
                  <th scope="col">{t('emergency.col.window')}</th>
                  <th scope="col">{t('emergency.col.requested')}</th>
                  <th scope="col">{t('emergency.col.decision')}</th>
                  <th scope="col">{t('emergency.col.ends')}</th>
                  <th scope="col">{t('emergency.col.uses')}</th>
                  {canDecide && <th scope="col">{t('emergency.col.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map((g) => (
                  <EmergencyGrantRow
                    key={g.id}
                    grant={g}
                    canDecide={canDecide}
                    own={g.owner.toLowerCase() === me}
                    onAct={(action, grant) => {
                      setDone(null);
                      setOpen({ action, grant });
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {open && (
        <EmergencyDecision
          action={open.action}
          grant={open.grant}
          onDecide={(reason) => decide(open.action, open.grant, reason)}
          onClose={(decided) => {
            if (decided) setDone(open);
            setOpen(null);
          }}
        />
      )}
    </section>
  );
}
