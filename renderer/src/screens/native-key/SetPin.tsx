import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { NativeKeyStatus } from '../../../../api/native-key';
import { useApp } from '../../store';

type SetPinState = Extract<NativeKeyStatus, { state: 'set_pin' }>;

/**
 * A key without a PIN, for an organisation that wants one: the person chooses it here, typed twice,
 * at least as long as the key requires. Like EnterPin, the fields are read once and emptied.
 */
export function SetPin({ status }: { status: SetPinState }) {
  const { t } = useTranslation();
  const setPin = useApp((s) => s.setKeyPin);
  const busy = useApp((s) => s.nativeKeyBusy);
  const [mismatch, setMismatch] = useState(false);
  const hintId = useId();
  const errorId = useId();
  const problem = mismatch ? 'mismatch' : status.problem;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const read = (name: string) => {
      const field = event.currentTarget.elements.namedItem(name);
      return field instanceof HTMLInputElement ? field.value : '';
    };
    const pin = read('new-pin');
    const again = read('new-pin-again');
    event.currentTarget.reset();
    setMismatch(pin !== again);
    if (pin && pin === again) void setPin(pin);
  };

  return (
    <form onSubmit={onSubmit} key={status.seq}>
      <h2>{t('nativeKey.setPin.title')}</h2>
      <p>{t('nativeKey.setPin.body')}</p>
      {problem && (
        <p id={errorId} role="alert" className="notice notice-error">
          {problem === 'too_short'
            ? t('nativeKey.setPin.tooShort', { count: status.minLength })
            : problem === 'too_long'
              ? t('nativeKey.setPin.tooLong')
              : t('nativeKey.setPin.mismatch')}
        </p>
      )}
      <label htmlFor="native-key-new-pin">{t('nativeKey.setPin.label')}</label>
      <input
        id="native-key-new-pin"
        name="new-pin"
        type="password"
        autoComplete="new-password"
        autoFocus
        required
        minLength={status.minLength}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${errorId} ${hintId}` : hintId}
      />
      <p id={hintId} className="hint">
        {t('nativeKey.setPin.hint', { count: status.minLength })}
      </p>
      <label htmlFor="native-key-new-pin-again">{t('nativeKey.setPin.againLabel')}</label>
      <input id="native-key-new-pin-again" name="new-pin-again" type="password" autoComplete="new-password" required />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('nativeKey.setPin.submit')}
        </button>
      </div>
    </form>
  );
}
