import { platformAuthenticatorIsAvailable } from '@simplewebauthn/browser';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App';
import { getBridge } from './bridge';
import { createI18n, followSystemLanguage, pickLanguage } from './i18n';
import { createAppStore, StoreContext } from './store';
import './styles.css';
import { authenticate, cancelCeremony, register } from './webauthn/ceremony';

async function boot(): Promise<void> {
  const i18n = await createI18n(pickLanguage(navigator.languages));
  followSystemLanguage(i18n, window);
  const store = createAppStore({
    bridge: getBridge(),
    register,
    authenticate,
    cancelCeremony,
    platformAuthenticatorAvailable: platformAuthenticatorIsAvailable,
    now: () => Date.now(),
  });
  const root = document.getElementById('root');
  if (!root) throw new Error('missing #root');
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <StoreContext.Provider value={store}>
          <App />
        </StoreContext.Provider>
      </I18nextProvider>
    </StrictMode>,
  );
}

void boot();
