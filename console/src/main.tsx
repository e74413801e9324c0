import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App';
import { createConsoleI18n, followSystemLanguage, pickLanguage } from './i18n';
import { createConsoleStore, StoreContext } from './store';
import './styles.css';

async function boot(): Promise<void> {
  const i18n = await createConsoleI18n(pickLanguage(navigator.languages));
  followSystemLanguage(i18n, window);
  const syncLang = () => {
    document.documentElement.setAttribute('lang', i18n.language);
  };
  syncLang();
  i18n.on('languageChanged', syncLang);
  const store = createConsoleStore({
    now: () => Date.now(),
    authenticate: (options) => startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON }),
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
