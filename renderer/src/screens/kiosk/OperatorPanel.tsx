import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ScreenHeading } from '../../components/ScreenHeading';
import { StationHealth } from '../../components/StationHealth';
import { useApp } from '../../store';

/** Behind the operator's PIN: the station's health, a new PIN, and the only way out of kiosk mode. */
export function OperatorPanel() {
  const { t } = useTranslation();
  const pinSet = useApp((s) => s.pinSet);
  const unlocked = useApp((s) => s.operatorUnlocked);
  const resetStation = useApp((s) => s.resetStation);
  const exitKiosk = useApp((s) => s.exitKiosk);
  // The first PIN is offered only right after this run registered the station: the station code is the operator's proof.
  const mayChooseFirst = useApp((s) => s.station?.kiosk === true && s.station.operatorPin === 'choose');

  const back = (
    <button type="button" className="secondary" onClick={() => void resetStation()}>
      {t('kiosk.panel.back')}
    </button>
  );

  if (!unlocked && pinSet === false && !mayChooseFirst) {
    return (
      <section>
        <ScreenHeading>{t('kiosk.panel.noPinTitle')}</ScreenHeading>
        <p>{t('kiosk.panel.noPinBody')}</p>
        <div className="actions">{back}</div>
      </section>
    );
  }

  if (!unlocked) {
    return (
      <section>
        <ScreenHeading>{pinSet === false ? t('kiosk.panel.firstPinTitle') : t('kiosk.panel.pinTitle')}</ScreenHeading>
        {pinSet === false ? <NewPin intro={t('kiosk.panel.firstPinIntro')} /> : <UnlockForm />}
        <div className="actions">{back}</div>
      </section>
    );
  }

  return (
    <section>
      <ScreenHeading>{t('kiosk.panel.title')}</ScreenHeading>
      <h2>{t('kiosk.health.title')}</h2>
      <StationHealth />
      <h2>{t('kiosk.panel.changePin')}</h2>
      <NewPin intro={t('kiosk.panel.changePinIntro')} />
      <h2>{t('kiosk.panel.exitTitle')}</h2>
      <p>{t('kiosk.panel.exitIntro')}</p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => void exitKiosk()}>
          {t('kiosk.panel.exit')}
        </button>
        {back}
      </div>
    </section>
  );
}

function UnlockForm() {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const unlockOperator = useApp((s) => s.unlockOperator);
  const [pin, setPin] = useState('');
  const id = useId();
  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void unlockOperator(pin);
    setPin('');
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      <label htmlFor={id}>{t('kiosk.panel.pinLabel')}</label>
      <input
        id={id}
        type="password"
        className="text-input"
        inputMode="numeric"
        autoComplete="off"
        value={pin}
        disabled={busy}
        onChange={(e) => {
          setPin(e.target.value);
        }}
      />
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {t('kiosk.panel.unlock')}
      </button>
    </form>
  );
}

function NewPin({ intro }: { intro: string }) {
  const { t } = useTranslation();
  const busy = useApp((s) => s.busy);
  const setOperatorPin = useApp((s) => s.setOperatorPin);
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const pinId = useId();
  const againId = useId();
  const hintId = useId();
  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pin !== again) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void setOperatorPin(pin).then((saved) => {
      if (saved) {
        setPin('');
        setAgain('');
      }
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate>
      <p>{intro}</p>
      <label htmlFor={pinId}>{t('kiosk.panel.newPin')}</label>
      <input
        id={pinId}
        type="password"
        className="text-input"
        inputMode="numeric"
        autoComplete="new-password"
        aria-describedby={hintId}
        value={pin}
        disabled={busy}
        onChange={(e) => {
          setPin(e.target.value);
        }}
      />
      <p id={hintId} className="hint">
        {t('kiosk.pin.format')}
      </p>
      <label htmlFor={againId}>{t('kiosk.panel.repeatPin')}</label>
      <input
        id={againId}
        type="password"
        className="text-input"
        inputMode="numeric"
        autoComplete="new-password"
        value={again}
        disabled={busy}
        aria-invalid={mismatch ? true : undefined}
        onChange={(e) => {
          setAgain(e.target.value);
        }}
      />
      {mismatch && (
        <p className="notice notice-error" role="alert">
          {t('kiosk.pin.mismatch')}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {t('kiosk.panel.savePin')}
      </button>
    </form>
  );
}
