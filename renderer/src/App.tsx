import { useEffect, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Header } from './components/Header';
import { IdleReset } from './components/IdleReset';
import { LinkPrompt } from './components/LinkPrompt';
import { NoticeBanner } from './components/NoticeBanner';
import { SupervisedSession } from './components/SupervisedSession';
import { Ceremony } from './screens/Ceremony';
import { ConfirmIdentity } from './screens/ConfirmIdentity';
import { Done } from './screens/Done';
import { HelpdeskRecovery } from './screens/HelpdeskRecovery';
import { KeyLost } from './screens/KeyLost';
import { MySecurity } from './screens/MySecurity';
import { NewComputer } from './screens/NewComputer';
import { RecoverWithCode } from './screens/RecoverWithCode';
import { RecoveryCodes } from './screens/RecoveryCodes';
import { SignInWithKey } from './screens/SignInWithKey';
import { NativeKeyPanel } from './screens/native-key/NativeKeyPanel';
import { EnterCode } from './screens/EnterCode';
import { KioskDone } from './screens/kiosk/KioskDone';
import { KioskRecoveryCodes } from './screens/kiosk/KioskRecoveryCodes';
import { KioskStation } from './screens/kiosk/KioskStation';
import { OperatorPanel } from './screens/kiosk/OperatorPanel';
import { OperatorStep } from './screens/kiosk/OperatorStep';
import { StationError } from './screens/kiosk/StationError';
import { WhoseTurn } from './screens/kiosk/WhoseTurn';
import { useApp } from './store';
import type { Step } from './store/types';

const SCREENS: Record<Step, () => ReactElement | null> = {
  code: EnterCode,
  recover: RecoverWithCode,
  helpdesk: HelpdeskRecovery,
  signin: SignInWithKey,
  security: MySecurity,
  confirm: ConfirmIdentity,
  ceremony: Ceremony,
  codes: RecoveryCodes,
  done: Done,
  keyLost: KeyLost,
  station: KioskStation,
  operator: OperatorStep,
  turn: WhoseTurn,
  operatorPanel: OperatorPanel,
  stationError: StationError,
  newComputer: NewComputer,
};

/** On a kiosk the same steps look different: nothing to copy or save, nobody's name left on screen. */
const KIOSK_SCREENS: Partial<Record<Step, () => ReactElement | null>> = {
  codes: KioskRecoveryCodes,
  done: KioskDone,
};

/** Kiosk steps where something of a person (or an unlocked operator panel) is on screen: these reset when left alone. */
const IDLE_RESET_STEPS: ReadonlySet<Step> = new Set(['turn', 'confirm', 'ceremony', 'codes', 'done', 'operatorPanel']);

export function App() {
  const { i18n } = useTranslation();
  const step = useApp((s) => s.step);
  const checkDeviceKey = useApp((s) => s.checkDeviceKey);
  const watchLinks = useApp((s) => s.watchLinks);
  const loadStation = useApp((s) => s.loadStation);
  const kiosk = useApp((s) => s.kiosk);
  const known = useApp((s) => s.station !== null || s.step === 'stationError');
  const Screen = (kiosk ? KIOSK_SCREENS[step] : undefined) ?? SCREENS[step];
  // main signs in with a security key itself (no PIN prompt from the OS here): its steps over the screen that asked.
  const nativeAside = useApp((s) => s.nativeKey !== null && s.step !== 'ceremony');

  useEffect(() => {
    void checkDeviceKey();
  }, [checkDeviceKey]);

  // Whether this is a kiosk comes from main (managed configuration), before any screen shows.
  useEffect(() => {
    void loadStation();
  }, [loadStation]);

  // One wait for links covers both the link the app was opened with and any that arrive while it runs.
  useEffect(() => watchLinks(), [watchLinks]);

  useEffect(() => {
    document.documentElement.lang = i18n.language;
  }, [i18n.language]);

  return (
    <div className="layout">
      <Header />
      <main className="card">
        {!kiosk && <LinkPrompt />}
        <NoticeBanner />
        <SupervisedSession />
        {nativeAside && (
          <section>
            <NativeKeyPanel />
          </section>
        )}
        {/* Kept mounted while hidden, so the screen that asked is there again when main is done. */}
        {known && (
          <div hidden={nativeAside}>
            <Screen key={step} />
          </div>
        )}
        {kiosk && IDLE_RESET_STEPS.has(step) && <IdleReset key={`idle-${step}`} />}
      </main>
    </div>
  );
}
