import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../components/ScreenHeading';
import { useApp } from '../store';
import { NativeKeyPanel } from './native-key/NativeKeyPanel';

/**
 * Refusals at completion after the key was registered: a break-glass enrolment waits for its
 * custodians or its labels (finish again), or for a second key (add one). Trying again would add a key.
 */
const FINISH_AGAIN = new Set(['errors.api.break_glass_unsupervised', 'errors.api.break_glass_key_unlabelled']);
const ANOTHER_KEY = 'errors.api.break_glass_keys_required';

export function Ceremony() {
  const { t } = useTranslation();
  const factor = useApp((s) => s.factor);
  const phase = useApp((s) => s.phase);
  const runCeremony = useApp((s) => s.runCeremony);
  const cancel = useApp((s) => s.cancel);
  const backToChoice = useApp((s) => s.backToChoice);
  const kiosk = useApp((s) => s.kiosk);
  const nativeKey = useApp((s) => s.nativeKey !== null);
  const finish = useApp((s) => s.finish);
  const refusal = useApp((s) => s.notice?.key ?? null);

  // The ceremony starts as soon as the screen shows: choosing the factor was the deliberate action.
  useEffect(() => {
    void runCeremony();
  }, [runCeremony]);

  if (!factor) return null;
  // FirstKey talks to the security key itself (no PIN prompt from the OS here): its own steps instead.
  if (nativeKey) {
    return (
      <section>
        <ScreenHeading>{t(`ceremony.title.${factor}`)}</ScreenHeading>
        <NativeKeyPanel />
      </section>
    );
  }
  const working = phase === 'preparing' || phase === 'waiting' || phase === 'verifying';
  const status =
    phase === 'preparing'
      ? 'ceremony.preparing'
      : phase === 'waiting'
        ? 'ceremony.waiting'
        : phase === 'verifying'
          ? 'ceremony.verifying'
          : null;

  return (
    <section>
      <ScreenHeading>{t(`ceremony.title.${factor}`)}</ScreenHeading>
      <p>{t(`ceremony.steps.${factor}`)}</p>
      <div className="progress" role="status" aria-live="polite">
        {status && (
          <>
            <span className="spinner" aria-hidden="true" />
            <span>{t(status)}</span>
          </>
        )}
      </div>
      <div className="actions">
        {phase === 'failed' && refusal !== null && FINISH_AGAIN.has(refusal) && (
          <button type="button" className="primary" onClick={() => void finish()}>
            {t('ceremony.finish')}
          </button>
        )}
        {phase === 'failed' && (
          <button
            type="button"
            className={refusal !== null && FINISH_AGAIN.has(refusal) ? 'secondary' : 'primary'}
            onClick={() => void runCeremony()}
          >
            {refusal !== null && (FINISH_AGAIN.has(refusal) || refusal === ANOTHER_KEY) ? t('ceremony.another') : t('ceremony.retry')}
          </button>
        )}
        {phase === 'waiting' && (
          <button type="button" className="secondary" onClick={cancel}>
            {t('ceremony.cancel')}
          </button>
        )}
        <button type="button" className="secondary" onClick={backToChoice} disabled={working && phase !== 'waiting'}>
          {kiosk ? t('kiosk.ceremony.stop') : t('ceremony.other')}
        </button>
      </div>
    </section>
  );
}
