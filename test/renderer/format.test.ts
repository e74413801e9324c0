import { describe, expect, it } from 'vitest';
import { createFormats, formatLocale } from '../../renderer/src/i18n/format';

// 4 December 2026, 14:05 UTC; the formats run in the test process's time zone, so read it back from there.
const AT = new Date(Date.UTC(2026, 11, 4, 14, 5));
const hour = String(AT.getHours()).padStart(2, '0');
const minute = String(AT.getMinutes()).padStart(2, '0');

describe('Layout and words: dates in the reader’s own order', () => {
  it('English on an en-GB system writes the day first (04/12/2026), not the US order', () => {
    const locale = formatLocale('en', ['en-GB', 'en']);
    expect(locale).toBe('en-GB');
    expect(createFormats(locale).day(AT)).toBe('04/12/2026');
  });

  it('a bare "en" ahead of the system’s en-GB does not turn the dates American', () => {
    expect(formatLocale('en', ['en', 'en-GB'])).toBe('en-GB');
  });

  it('English on a US system, or with no English in the system’s list, is US English', () => {
    expect(createFormats(formatLocale('en', ['en-US'])).day(AT)).toBe('12/04/2026');
    expect(formatLocale('en', ['ja-JP'])).toBe('en');
  });

  it('German and French follow their own conventions, and their region where the system has one', () => {
    expect(createFormats(formatLocale('de', ['de-AT', 'en-GB'])).day(AT)).toBe('04.12.2026');
    expect(createFormats(formatLocale('fr', ['en-GB'])).day(AT)).toBe('04/12/2026');
    expect(formatLocale('fr', ['fr-CA'])).toBe('fr-CA');
  });

  it('one German card, one date style: a day is always digits, a moment adds only the time', () => {
    const de = createFormats('de');
    expect(de.day('2026-12-04T14:05:00Z')).toBe('04.12.2026');
    expect(de.moment(AT)).toBe(`04.12.2026, ${hour}:${minute}`);
    expect(de.time(AT)).toBe(`${hour}:${minute}`);
  });

  it('the pseudo-locale formats as English in the system’s region', () => {
    expect(formatLocale('en-XA', ['en-XA', 'en-GB'])).toBe('en-GB');
  });

  it('numbers and lists in the language’s own way', () => {
    expect(createFormats('de').number(12345.5)).toBe('12.345,5');
    expect(createFormats('fr').number(12345)).toBe('12\u202f345');
    expect(createFormats('en-GB').number(12345)).toBe('12,345');
    expect(createFormats('fr').list(['a', 'b', 'c'])).toBe('a, b et c');
  });
});
