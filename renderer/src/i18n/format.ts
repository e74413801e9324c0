// One way to write each kind of date, time and number, in the reader's
// conventions. The app's language says which words; the system's region says
// how dates read: 'en' on an en-GB system writes 04/12/2026, not 12/04/2026.
import { PSEUDO_LANGUAGE } from './pseudo';

/**
 * The locale to format with: the system's own tag for the app's language where the
 * system has one (en-GB, de-AT, fr-CA), else the app's language itself.
 */
export function formatLocale(language: string, systemLanguages: readonly string[]): string {
  const base = (language === PSEUDO_LANGUAGE ? 'en' : language).toLowerCase().split('-')[0] ?? 'en';
  const same = systemLanguages.filter((tag) => tag !== PSEUDO_LANGUAGE && tag.toLowerCase().split('-')[0] === base);
  // A bare 'en' says nothing about the region; an 'en-GB' further down the list does.
  return same.find((tag) => tag.includes('-')) ?? same[0] ?? base;
}

export interface Formats {
  /** A calendar day: created, last used, valid until, renew by. Digits, in the region's order. */
  day: (at: Date | string) => string;
  /** A day and a time of day: a deadline that may fall on another day. */
  moment: (at: Date | string) => string;
  /** A time of day, today: when an operator confirmed someone. */
  time: (at: Date | string) => string;
  /** "a, b and c" in the language's own way. */
  list: (items: readonly string[]) => string;
  number: (value: number) => string;
}

const asDate = (at: Date | string) => (typeof at === 'string' ? new Date(at) : at);
const DAY: Intl.DateTimeFormatOptions = { day: '2-digit', month: '2-digit', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };

export function createFormats(locale: string): Formats {
  const day = new Intl.DateTimeFormat(locale, DAY);
  const moment = new Intl.DateTimeFormat(locale, { ...DAY, ...TIME });
  const time = new Intl.DateTimeFormat(locale, TIME);
  const list = new Intl.ListFormat(locale, { type: 'conjunction' });
  const number = new Intl.NumberFormat(locale);
  return {
    day: (at) => day.format(asDate(at)),
    moment: (at) => moment.format(asDate(at)),
    time: (at) => time.format(asDate(at)),
    list: (items) => list.format(items),
    number: (value) => number.format(value),
  };
}
