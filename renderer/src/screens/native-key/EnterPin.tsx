import { useId, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { NativeKeyStatus } from '../../../../api/native-key';
import { useApp } from '../../store';

type PinState = Extract<NativeKeyStatus, { state: 'pin' }>;

/**
 * The key's PIN, with what the person has left: tries before the key blocks its PIN for good, and
 * wrong PINs in a row before it must be unplugged. The field is not controlled: the PIN is read
 * when sent and the form is emptied, so no state of the page keeps it.
 */
export function EnterPin({ status }: { status: PinState }) {
  const { t } = useTranslation();
  const submit = useApp((s) => s.submitKeyPin);
  const busy = useApp((s) => s.nativeKeyBusy);
  const hintId = useId();
  const errorId = useId();

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const field = event.currentTarget.elements.namedItem('pin');
    const pin = field instanceof HTMLInputElement ? field.value : '';
    event.currentTarget.reset();
    if (pin) void submit(pin);
  };

  return (
    <form onSubmit={onSubmit} key={status.seq}>
      <h2>{t('nativeKey.pin.title')}</h2>
      {status.wrong && (
        <p id={errorId} role="alert" className="notice notice-error">
          {t('nativeKey.pin.wrong')}
        </p>
      )}
      <label htmlFor="native-key-pin">{t('nativeKey.pin.label')}</label>
      <input
        id="native-key-pin"
        name="pin"
        type="password"
        autoComplete="off"
        autoFocus
        required
        aria-invalid={status.wrong}
        aria-describedby={status.wrong ? `${errorId} ${hintId}` : hintId}
      />
      <p id={hintId} className="hint">
        {t('nativeKey.pin.retries', { count: status.retries })}{' '}
        {status.attemptsBeforeReplug < status.retries && t('nativeKey.pin.replug', { count: status.attemptsBeforeReplug })}
      </p>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('nativeKey.pin.submit')}
        </button>
      </div>
    </form>
  );
}
