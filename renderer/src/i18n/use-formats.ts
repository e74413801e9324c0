import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { createFormats, formatLocale, type Formats } from './format';

/** The formats for the app's language, in the system's regional conventions; new ones when the language changes. */
export function useFormats(): Formats {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => createFormats(formatLocale(language, navigator.languages)), [language]);
}
