import { useEffect, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Header } from './components/Header';
import { LinkPrompt } from './components/LinkPrompt';
import { NoticeBanner } from './components/NoticeBanner';
import { Ceremony } from './screens/Ceremony';
import { ChooseFactor } from './screens/ChooseFactor';
import { ConfirmIdentity } from './screens/ConfirmIdentity';
import { Done } from './screens/Done';
import { HelpdeskRecovery } from './screens/HelpdeskRecovery';
import { KeyLost } from './screens/KeyLost';
import { MySecurity } from './screens/MySecurity';
import { RecoverWithCode } from './screens/RecoverWithCode';
import { RecoveryCodes } from './screens/RecoveryCodes';
import { SignInWithKey } from './screens/SignInWithKey';
import { EnterCode } from './screens/EnterCode';
import { useApp } from './store';
import type { Step } from './store/types';

const SCREENS: Record<Step, () => ReactElement | null> = {
  code: EnterCode,
  recover: RecoverWithCode,
  helpdesk: HelpdeskRecovery,
  signin: SignInWithKey,
  security: MySecurity,
  confirm: ConfirmIdentity,
  choose: ChooseFactor,
  ceremony: Ceremony,
  codes: RecoveryCodes,
  done: Done,
  keyLost: KeyLost,
};

export function App() {
  const { i18n } = useTranslation();
  const step = useApp((s) => s.step);
  const checkDeviceKey = useApp((s) => s.checkDeviceKey);
  const watchLinks = useApp((s) => s.watchLinks);
  const Screen = SCREENS[step];

  useEffect(() => {
    void checkDeviceKey();
  }, [checkDeviceKey]);

  // One wait for links covers both the link the app was opened with and any that arrive while it runs.
  useEffect(() => watchLinks(), [watchLinks]);

  useEffect(() => {
    document.documentElement.lang = i18n.language;
  }, [i18n.language]);

  return (
    <div className="layout">
      <Header />
      <main className="card">
        <LinkPrompt />
        <NoticeBanner />
        <Screen key={step} />
      </main>
    </div>
  );
}
