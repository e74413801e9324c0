import { describe, expect, it } from 'vitest';
import { generateCode, group, HANDLE_LENGTH, normaliseTyped, parseCode, SECRET_BITS, SECRET_LENGTH } from '../../server/enrolment/codes.js';
import {
  generateHelpdeskCode,
  generateRecoveryCodes,
  HELPDESK_CODE_BITS,
  parseHelpdeskCode,
  parseRecoveryCode,
  RECOVERY_CODES_PER_SET,
  RECOVERY_SECRET_BITS,
} from '../../server/recovery/codes.js';

/** What an attacker types as an enrolment, recovery or help-desk code: a malformed code must never get past the parser. */

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]+$/;

describe('codes an attacker types', () => {
  it('enrolment codes: a 4-character handle and 120 secret bits, shown in groups of four', () => {
    expect({ HANDLE_LENGTH, SECRET_LENGTH, SECRET_BITS }).toEqual({ HANDLE_LENGTH: 4, SECRET_LENGTH: 24, SECRET_BITS: 120 });
    const code = generateCode();
    expect(code.handle).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(code.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{24}$/);
    expect(code.display).toBe(group(code.handle + code.secret));
    expect(code.display).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
    expect(parseCode(code.display)).toEqual({ handle: code.handle, secret: code.secret });
  });

  it('groups in fours, whatever the length', () => {
    expect(group('ABCDEFGHJ')).toBe('ABCD-EFGH-J');
    expect(group('ABCD')).toBe('ABCD');
    expect(group('')).toBe('');
  });

  it('normalises what people type, and refuses anything outside Crockford base32', () => {
    expect(normaliseTyped(' ab-cd\tef ')).toBe('ABCDEF');
    expect(normaliseTyped('oOiIlL')).toBe('001111');
    for (const bad of ['ABCU', 'AB_CD', 'ABC!', 'ÄBC', 'ABC\u0000', 'ABC.DEF', '']) expect(normaliseTyped(bad), bad).toBeNull();
  });

  it('refuses a code one character short or long, or with a character that is not in the alphabet', () => {
    const code = generateCode();
    const chars = code.handle + code.secret;
    expect(parseCode(chars.slice(1))).toBeNull();
    expect(parseCode(`${chars}0`)).toBeNull();
    expect(parseCode(`${chars.slice(1)}U`)).toBeNull();
    expect(parseCode('not a code')).toBeNull();
    expect(parseCode(chars.toLowerCase())).toEqual({ handle: code.handle, secret: code.secret });
  });

  it('recovery codes: ten per set, 3-character handles all different, 65 secret bits', () => {
    expect({ RECOVERY_CODES_PER_SET, RECOVERY_SECRET_BITS, HELPDESK_CODE_BITS }).toEqual({
      RECOVERY_CODES_PER_SET: 10,
      RECOVERY_SECRET_BITS: 65,
      HELPDESK_CODE_BITS: 80,
    });
    const set = generateRecoveryCodes();
    expect(set).toHaveLength(10);
    for (const c of set) {
      expect(c.handle).toMatch(/^[0-9A-HJKMNP-TV-Z]{3}$/);
      expect(c.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{13}$/);
      expect(c.display).toBe(group(c.handle + c.secret));
      expect(parseRecoveryCode(c.display)).toEqual({ handle: c.handle, secret: c.secret });
    }
  });

  it('a handle drawn twice in one set is drawn again, so one handle never names two codes', () => {
    // 3000 handles out of 32768 collide dozens of times: every clash must be redrawn.
    const set = generateRecoveryCodes(3000);
    expect(set).toHaveLength(3000);
    expect(new Set(set.map((c) => c.handle)).size).toBe(3000);
  });

  it('recovery and help-desk codes of the wrong length are not codes', () => {
    const [c] = generateRecoveryCodes(1);
    const chars = c!.handle + c!.secret;
    expect(parseRecoveryCode(chars.slice(1))).toBeNull();
    expect(parseRecoveryCode(`${chars}0`)).toBeNull();
    expect(parseRecoveryCode('not a code')).toBeNull();
    expect(parseRecoveryCode('!!!-not-crockford-!!!')).toBeNull();
    expect(parseHelpdeskCode('!!!-not-crockford-!!!')).toBeNull();
    expect(parseCode('!!!-not-crockford-!!!')).toBeNull();
    const helpdesk = generateHelpdeskCode();
    expect(helpdesk.secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(helpdesk.display).toBe(group(helpdesk.secret));
    expect(parseHelpdeskCode(helpdesk.display.toLowerCase())).toBe(helpdesk.secret);
    expect(parseHelpdeskCode(helpdesk.secret.slice(1))).toBeNull();
    expect(parseHelpdeskCode(`${helpdesk.secret}0`)).toBeNull();
    expect(parseHelpdeskCode('not a code')).toBeNull();
    expect(CROCKFORD.test(helpdesk.secret)).toBe(true);
  });
});
