// The main process's own words: dialogs shown before (or without) the renderer,
// so they cannot use the renderer's i18next. Same key style and {{name}}
// placeholders as renderer/src/i18n/locales.
import de from './locales/de.json' with { type: 'json' };
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };

type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every message key, from the English catalogue (the one every other language is checked against). */
export type MainMessageKey = Leaves<typeof en>;
export type Translate = (key: MainMessageKey, params?: Readonly<Record<string, string>>) => string;

export const MAIN_CATALOGUES = { en, de, fr } as const;
export type MainLanguage = keyof typeof MAIN_CATALOGUES;

/** The language for a locale such as app.getLocale()'s 'de-AT'; English when we have none closer. */
export function mainLanguage(locale: string): MainLanguage {
  const base = locale.toLowerCase().split(/[-_]/)[0];
  return base === 'de' || base === 'fr' ? base : 'en';
}

function lookup(catalogue: unknown, key: string): string | undefined {
  let node: unknown = catalogue;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** A translator for one locale: missing keys fall back to English; {{name}} takes params.name, unknown names stay visible. */
export function createTranslator(locale: string): Translate {
  const catalogue = MAIN_CATALOGUES[mainLanguage(locale)];
  return (key, params = {}) => {
    const text = lookup(catalogue, key) ?? lookup(en, key) ?? key;
    return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => params[name] ?? whole);
  };
}
