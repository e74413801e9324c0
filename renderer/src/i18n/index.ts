import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './locales/de.json';
import en from './locales/en.json';
import fr from './locales/fr.json';
import { PSEUDO_LANGUAGE, pseudoCatalogue } from './pseudo';

export { PSEUDO_LANGUAGE } from './pseudo';

export const SUPPORTED_LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];
/** A language the app can show: one we translate, or the pseudo-locale a system can ask for to test layouts. */
export type AppLanguage = Language | typeof PSEUDO_LANGUAGE;

/** The first of the system's preferred languages we have, else English. */
export function pickLanguage(preferred: readonly string[]): AppLanguage {
  for (const tag of preferred) {
    if (tag === PSEUDO_LANGUAGE) return PSEUDO_LANGUAGE;
    const base = tag.toLowerCase().split('-')[0];
    const match = SUPPORTED_LANGUAGES.find((lang) => lang === base);
    if (match) return match;
  }
  return 'en';
}

export async function createI18n(language: AppLanguage): Promise<i18n> {
  const instance = i18next.createInstance();
  await instance.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'en',
    resources: {
      en: { translation: en },
      de: { translation: de },
      fr: { translation: fr },
      // Built at run time from English, so it always has every key English has.
      [PSEUDO_LANGUAGE]: { translation: pseudoCatalogue(en) },
    },
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  return instance;
}

/** When the system's languages change while the app runs, the app follows (the browser says so with 'languagechange'). */
export function followSystemLanguage(instance: i18n, target: Window): () => void {
  const follow = () => void instance.changeLanguage(pickLanguage(target.navigator.languages));
  target.addEventListener('languagechange', follow);
  return () => {
    target.removeEventListener('languagechange', follow);
  };
}

/** Each language named in itself, as language pickers do. */
export const LANGUAGE_NAMES: Record<AppLanguage, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  [PSEUDO_LANGUAGE]: 'Ƥšéûðö (en-XA)',
};
