import { describe, expect, it } from 'vitest';
import { codeFromLink, LINK_SCHEME, linkFromArgv } from '../../electron/main/deep-link.js';

/**
 * Links reach the app from mail and chat: untrusted input. Only an enrolment
 * link with a plausible code may pre-fill the code field; everything else is ignored.
 */
const CODE = 'K7QD-4M2X-9ZPA-R3TB-VW8N-6HJC-Y5EF';

describe('codeFromLink', () => {
  it('takes the code from firstkey://enrol?code=...', () => {
    expect(codeFromLink(`firstkey://enrol?code=${CODE}`)).toBe(CODE);
  });

  it('takes the code from the opaque form firstkey:enrol?code=...', () => {
    expect(codeFromLink(`firstkey:enrol?code=${CODE}`)).toBe(CODE);
  });

  it('decodes a percent-encoded code, as the server writes links with encodeURIComponent', () => {
    expect(codeFromLink(`firstkey://enrol?code=${encodeURIComponent('K7QD 4M2X 9ZPA R3TB')}`)).toBe('K7QD 4M2X 9ZPA R3TB');
  });

  it('trims whitespace around the code', () => {
    expect(codeFromLink(`firstkey://enrol?code=%20%20${CODE}%20`)).toBe(CODE);
  });

  it('accepts other query parameters next to the code', () => {
    expect(codeFromLink(`firstkey://enrol?utm_source=mail&code=${CODE}&lang=en`)).toBe(CODE);
  });

  it.each([
    ['another action', `firstkey://recover?code=${CODE}`],
    ['another action, opaque form', `firstkey:revoke?code=${CODE}`],
    ['an action that only starts with enrol', `firstkey://enrolment?code=${CODE}`],
    ['an action with a port', `firstkey://enrol:443?code=${CODE}`],
    ['no action', `firstkey://?code=${CODE}`],
    ['no code', 'firstkey://enrol'],
    ['an empty code', 'firstkey://enrol?code='],
    ['a code only in the fragment', `firstkey://enrol#code=${CODE}`],
  ])('ignores %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it.each([
    ['https', `https://enrol.firstkey.test/enrol?code=${CODE}`],
    ['http', `http://enrol?code=${CODE}`],
    ['javascript:', `javascript:alert(1)//firstkey://enrol?code=${CODE}`],
    ['data:', `data:text/html,firstkey://enrol?code=${CODE}`],
    ['file:', `file:///enrol?code=${CODE}`],
    ['a lookalike scheme', `firstkeys://enrol?code=${CODE}`],
    ['a scheme that merely contains ours', `x-firstkey://enrol?code=${CODE}`],
  ])('ignores links of another scheme: %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it.each([
    ['a script tag', 'firstkey://enrol?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['an img onerror payload', 'firstkey://enrol?code=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E'],
    ['quotes and semicolons', "firstkey://enrol?code=ABCD-EFGH';DROP%20TABLE%20users;--"],
    ['a newline (log injection)', 'firstkey://enrol?code=ABCD-EFGH%0Aadmin%20approved'],
    ['a NUL byte', 'firstkey://enrol?code=ABCD-EFGH%00XYZ'],
    ['non-ASCII letters', 'firstkey://enrol?code=ABCD-%D0%95FGH-1234'],
    ['too short', 'firstkey://enrol?code=ABC-123'],
    ['65 characters', `firstkey://enrol?code=${'A'.repeat(65)}`],
    ['a megabyte', `firstkey://enrol?code=${'A'.repeat(1 << 20)}`],
  ])('ignores a junk code: %s', (_label, link) => {
    expect(codeFromLink(link)).toBeNull();
  });

  it('accepts a code of exactly 64 characters and of exactly 8', () => {
    expect(codeFromLink(`firstkey://enrol?code=${'A'.repeat(64)}`)).toBe('A'.repeat(64));
    expect(codeFromLink('firstkey://enrol?code=ABCD-EFG')).toBe('ABCD-EFG');
  });

  it.each(['', 'firstkey', 'not a link', '://enrol?code=ABCD-EFGH-JKMN', '\u0000'])('ignores malformed input %j', (link) => {
    expect(codeFromLink(link)).toBeNull();
  });
});

describe('linkFromArgv', () => {
  it('uses the scheme the app registers', () => {
    expect(LINK_SCHEME).toBe('firstkey');
  });

  it('finds the link a second instance was started with (Windows and Linux)', () => {
    const link = `firstkey://enrol?code=${CODE}`;
    const argv = ['/opt/FirstKey/firstkey', '--enable-logging', link];
    expect(linkFromArgv(argv)).toBe(link);
    expect(codeFromLink(linkFromArgv(argv) ?? '')).toBe(CODE);
  });

  it('finds the opaque form too', () => {
    expect(linkFromArgv(['C:\\Program Files\\FirstKey\\FirstKey.exe', `firstkey:enrol?code=${CODE}`])).toBe(`firstkey:enrol?code=${CODE}`);
  });

  it('returns null when there is no link', () => {
    expect(linkFromArgv([])).toBeNull();
    expect(linkFromArgv(['/opt/FirstKey/firstkey', '--kiosk', 'dist/electron/main/index.js'])).toBeNull();
  });

  it('does not take a link of another scheme, or one buried inside another argument', () => {
    expect(linkFromArgv(['/opt/FirstKey/firstkey', `https://enrol.firstkey.test/?code=${CODE}`])).toBeNull();
    expect(linkFromArgv(['/opt/FirstKey/firstkey', `--open=firstkey://enrol?code=${CODE}`])).toBeNull();
  });

  it('hands a junk link on only to be refused by codeFromLink', () => {
    const junk = 'firstkey://enrol?code=%3Cscript%3E';
    expect(codeFromLink(linkFromArgv(['app', junk]) ?? '')).toBeNull();
  });
});
