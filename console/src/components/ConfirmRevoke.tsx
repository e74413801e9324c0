import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Asks before a revocation, with the reason the audit trail keeps. A native modal <dialog>: it
 * traps focus, Escape cancels, and focus goes back to the button that opened it.
 */
export function ConfirmRevoke({
  title,
  body,
  onConfirm,
  onClose,
}: {
  title: string;
  body: string;
  onConfirm: (reason: string) => Promise<boolean>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={`${ids}-title`} aria-describedby={`${ids}-body`} onClose={onClose} className="confirm">
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!reason.trim()) return;
          setBusy(true);
          void onConfirm(reason.trim()).then((done) => {
            setBusy(false);
            if (done) onClose();
          });
        }}
      >
        <h2 id={`${ids}-title`}>{title}</h2>
        <p id={`${ids}-body`}>{body}</p>
        <label htmlFor={`${ids}-reason`}>{t('confirm.reason')}</label>
        <textarea
          id={`${ids}-reason`}
          required
          maxLength={500}
          rows={3}
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
          }}
        />
        <div className="actions">
          <button type="submit" className="danger" disabled={busy || !reason.trim()}>
            {t('confirm.confirm')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('confirm.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
