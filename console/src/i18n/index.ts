import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
// Language picking and the pseudo-locale are the app's own: the console follows the same rules.
import { pickLanguage, followSystemLanguage, type AppLanguage } from '../../../renderer/src/i18n/index';
import { PSEUDO_LANGUAGE, pseudoCatalogue } from '../../../renderer/src/i18n/pseudo';
import de from './locales/de.json';
import en from './locales/en.json';
import fr from './locales/fr.json';

export { pickLanguage, followSystemLanguage };

export async function createConsoleI18n(language: AppLanguage): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'en',
    resources: {
      en: { translation: en },
      de: { translation: de },
      fr: { translation: fr },
      [PSEUDO_LANGUAGE]: { translation: pseudoCatalogue(en) },
    },
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return instance;
}
