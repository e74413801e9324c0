import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EmergencyGrantView } from '../api/types';
import type { EmergencyAction, EmergencyFailure } from '../store/emergency-slice';

/** The server's own minimum (api/operations/emergency-access.ts): a reason an auditor can read later. */
export const MIN_REASON = 10;

/**
 * Approve, deny or end one grant, with the reason the audit trail keeps. A native modal <dialog>:
 * it traps focus, Escape cancels, and the refusal (if the server says no) is read out inside it,
 * where the admin's attention is.
 */
export function EmergencyDecision({
  action,
  grant,
  onDecide,
  onClose,
}: {
  action: EmergencyAction;
  grant: EmergencyGrantView;
  onDecide: (reason: string) => Promise<EmergencyFailure>;
  onClose: (decided: boolean) => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const decided = useRef(false);
  const [reason, setReason] = useState('');
  const [tooShort, setTooShort] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<EmergencyFailure>(null);
  const ids = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  const length = reason.trim().length;
  const short = length < MIN_REASON;
  const describedBy = [`${ids}-hint`, tooShort && short ? `${ids}-short` : null].filter(Boolean).join(' ');
  const facts = { service: grant.serviceAccount, owner: grant.owner, minutes: grant.minutes, reference: grant.reference };
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      onClose={() => {
        onClose(decided.current);
      }}
      className="confirm"
    >
      <form
        method="dialog"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (short) {
            setTooShort(true);
            reasonRef.current?.focus();
            return;
          }
          setBusy(true);
          setFailure(null);
          void onDecide(reason.trim()).then((refused) => {
            setBusy(false);
            if (refused) {
              setFailure(refused);
              return;
            }
            decided.current = true;
            ref.current?.close();
          });
        }}
      >
        <h2 id={`${ids}-title`}>{t(`emergency.dialog.${action}.title`, facts)}</h2>
        <div id={`${ids}-body`}>
          <p>{t(`emergency.dialog.${action}.body`, facts)}</p>
          <p className="quiet">{t('emergency.dialog.asked', { reason: grant.reason })}</p>
        </div>
        <label htmlFor={`${ids}-reason`}>{t('emergency.reason')}</label>
        <p className="quiet hint" id={`${ids}-hint`}>
          {t('emergency.reasonHint', { count: MIN_REASON })}
        </p>
        <textarea
          ref={reasonRef}
          id={`${ids}-reason`}
          required
          minLength={MIN_REASON}
          maxLength={500}
          rows={3}
          value={reason}
          aria-invalid={tooShort && short ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => {
            setReason(e.target.value);
          }}
        />
        {tooShort && short && (
          <p className="failure" id={`${ids}-short`}>
            {t('emergency.reasonShort', { count: MIN_REASON, typed: length })}
          </p>
        )}
        {failure && (
          <div className="failure-box" role="alert">
            <p className="failure">
              {t(`emergency.errors.${failure.code}`, { defaultValue: t(`errors.${failure.code}`, { defaultValue: t('errors.unknown') }) })}
            </p>
            {failure.message && <p className="quiet">{t('emergency.serverSaid', { message: failure.message })}</p>}
          </div>
        )}
        <div className="actions">
          <button type="submit" className={action === 'approve' ? undefined : 'danger'} disabled={busy}>
            {t(`emergency.dialog.${action}.confirm`)}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              ref.current?.close();
            }}
          >
            {t('confirm.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
