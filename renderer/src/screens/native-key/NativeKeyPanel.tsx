import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { NativeKeyState } from '../../../../api/native-key';
import { useApp } from '../../store';
import { EnterPin } from './EnterPin';
import { SetPin } from './SetPin';

/** States that ask the person to act on the key itself: their words, and a spinner while the key works. */
const WAITING: Partial<Record<NativeKeyState['state'], string>> = {
  idle: 'nativeKey.working',
  insert_key: 'nativeKey.insert',
  choose_key: 'nativeKey.choose',
  touch: 'nativeKey.touch',
  pin_auth_blocked: 'nativeKey.replug',
  verifying: 'nativeKey.verifying',
  done: 'nativeKey.verifying',
};

/**
 * What the OS would have shown for a security key, when FirstKey talks to the key itself: insert it,
 * choose one of several by touching it, touch it, its PIN (or a new one). Each step's title takes
 * focus, so a screen reader says what to do next; Cancel stops the key too (CTAPHID_CANCEL in main).
 */
export function NativeKeyPanel() {
  const { t } = useTranslation();
  const status = useApp((s) => s.nativeKey);
  const cancel = useApp((s) => s.cancelNativeKey);
  const title = useRef<HTMLHeadingElement>(null);
  const state = status?.state ?? 'idle';

  useEffect(() => {
    // A form's own field takes focus instead (it is what the person acts on next).
    if (state !== 'pin' && state !== 'set_pin') title.current?.focus();
  }, [state]);

  if (!status) return null;
  const waiting = WAITING[state];
  return (
    <div className="native-key">
      {waiting && (
        <>
          <h2 ref={title} tabIndex={-1}>
            {t(`${waiting}.title`, status.state === 'choose_key' ? { count: status.count } : {})}
          </h2>
          <div className="progress" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" />
            <span>{t(`${waiting}.body`, status.state === 'choose_key' ? { count: status.count } : {})}</span>
          </div>
        </>
      )}
      {status.state === 'pin' && <EnterPin status={status} />}
      {status.state === 'set_pin' && <SetPin status={status} />}
      <div className="actions">
        <button type="button" className="secondary" onClick={cancel} disabled={state === 'verifying' || state === 'done'}>
          {t('nativeKey.cancel')}
        </button>
      </div>
    </div>
  );
}
