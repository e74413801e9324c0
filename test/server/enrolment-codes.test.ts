import { describe, expect, it, vi } from 'vitest';
import { parseCode, SECRET_BITS } from '../../server/enrolment/codes.js';
import { sha256 } from '../../server/secrets.js';
import { dumpDatabase, TEST_DEVICE, TEST_JKT } from '../support/service-harness.js';
import { h, openSession, redeem, refusal, useEnrolmentService } from './enrolment-support.js';

/** Enrolment codes from IT: how strong they are, how they are stored, and when they stop opening sessions. */

/** Handles to hand out before random ones: forces the clash of a new code's handle with an old one. */
const forced = vi.hoisted(() => ({ handles: [] as string[] }));
// Randomness is the one thing replaced: the next 4-character draws (a code's handle) come from `forced`.
vi.mock('../../server/secrets.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../server/secrets.js')>();
  return {
    ...actual,
    randomBase32: (length: number) => (length === 4 && forced.handles.length > 0 ? forced.handles.shift()! : actual.randomBase32(length)),
  };
});

useEnrolmentService();

describe('enrolment codes', () => {
  it('a code opens a session for its user, with the policy the server decided', async () => {
    const { issued, token, session } = await openSession();
    expect(issued.link).toContain(encodeURIComponent(issued.code));
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(session).toMatchObject({ purpose: 'enrol', user: { username: 'ada.new', displayName: 'Ada Lovelace' } });
    expect(session.allowedFactors).toEqual(['passkey', 'security-key']);
    expect(Date.parse(session.expiresAt) - Date.parse(session.serverTime)).toBe(h.config.sessionTtlSeconds * 1000);
  });

  it('accepts the code as people type it: lower case, spaces for dashes', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const typed = ` ${issued.code.toLowerCase().replace(/-/g, ' ')} `;
    await expect(redeem(typed)).resolves.toMatchObject({ session: { user: { username: 'ada.new' } } });
  });

  it('codes carry at least 112 bits, and neither the code nor the session token is stored', async () => {
    expect(SECRET_BITS).toBeGreaterThanOrEqual(112);
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    expect(parts.secret.length * Math.log2(32)).toBeGreaterThanOrEqual(112);
    const { token } = await redeem(issued.code);
    const row = await h.db.selectFrom('enrolment_codes').selectAll().where('handle', '=', parts.handle).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(sha256(parts.secret));
    const dump = await dumpDatabase(h.db);
    for (const secret of [issued.code, parts.secret, parts.handle + parts.secret, token]) expect(dump).not.toContain(secret);
    expect(dump).toContain(sha256(token));
  });

  it('1000 codes are all different', async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 1000; i++) codes.add((await h.services.accounts.issueCode('ada.new', 'test')).code);
    expect(codes.size).toBe(1000);
  });

  it('a new code whose handle clashes with an earlier one is drawn again, not refused', async () => {
    forced.handles.push('ABCD', 'ABCD');
    const first = await h.services.accounts.issueCode('ada.new', 'test');
    const second = await h.services.accounts.issueCode('ada.new', 'test');
    expect(first.code.startsWith('ABCD-')).toBe(true);
    expect(second.code.startsWith('ABCD-')).toBe(false);
    await expect(redeem(second.code)).resolves.toBeDefined();
    await expect(redeem(first.code)).resolves.toBeDefined();
  });

  it('refuses an unknown code, a malformed one, and a known handle with the wrong secret', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    const otherHandle = parts.handle === '0000' ? '1111' : '0000';
    await expect(redeem(otherHandle + parts.secret)).rejects.toEqual(refusal('code_invalid'));
    await expect(redeem('not a code')).rejects.toEqual(refusal('code_invalid'));
    const wrongSecret = parts.handle + (parts.secret.startsWith('A') ? 'B' : 'A') + parts.secret.slice(1);
    await expect(redeem(wrongSecret)).rejects.toEqual(refusal('code_invalid'));
    const row = await h.db
      .selectFrom('enrolment_codes')
      .select(['failed_attempts', 'locked_at'])
      .where('handle', '=', parts.handle)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_attempts: 1, locked_at: null });
    await expect(redeem(issued.code)).resolves.toBeDefined();
  });

  it('a code works once', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    await redeem(issued.code);
    await expect(redeem(issued.code)).rejects.toEqual(refusal('code_used'));
  });

  it('a code expires after its lifetime, which is capped at the configured maximum', async () => {
    const short = await h.services.accounts.issueCode('ada.new', 'test', 60);
    const capped = await h.services.accounts.issueCode('ada.new', 'test', 10 * h.config.codeTtlSeconds);
    expect(Date.parse(capped.expiresAt) - h.clock.now().getTime()).toBe(h.config.codeTtlSeconds * 1000);
    h.clock.advance(59);
    const early = await h.services.accounts.issueCode('ada.new', 'test');
    h.clock.advance(1);
    await expect(redeem(short.code)).rejects.toEqual(refusal('code_expired'));
    h.clock.advance(h.config.codeTtlSeconds - 60);
    await expect(redeem(capped.code)).rejects.toEqual(refusal('code_expired'));
    await expect(redeem(early.code)).resolves.toBeDefined();
  });

  it(`locks a code after codeMaxAttempts wrong tries; then even the right code is refused`, async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const parts = parseCode(issued.code);
    if (!parts) throw new Error('issued code does not parse');
    const wrong = parts.handle + (parts.secret.startsWith('A') ? 'B' : 'A') + parts.secret.slice(1);
    for (let i = 0; i < h.config.codeMaxAttempts; i++) {
      await expect(redeem(wrong)).rejects.toEqual(refusal('code_invalid'));
    }
    await expect(redeem(issued.code)).rejects.toEqual(refusal('code_locked'));
    await expect(redeem(wrong)).rejects.toEqual(refusal('code_locked'));
    const events = await h.db.selectFrom('audit_events').select('event').where('event', 'like', 'code.%').orderBy('seq').execute();
    expect(events.map((e) => e.event)).toEqual(['code.issued', 'code.refused', 'code.refused', 'code.locked']);
  });

  it('a service account never gets a code, nor a session from a code issued before it became one', async () => {
    await h.services.accounts.createUser({ username: 'build-bot', displayName: 'CI bot', accountKind: 'service' }, 'test');
    await expect(h.services.accounts.issueCode('build-bot', 'test')).rejects.toEqual(refusal('account_not_eligible'));
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    await h.db.updateTable('users').set({ account_kind: 'service' }).where('username', '=', 'ada.new').execute();
    await expect(redeem(issued.code)).rejects.toEqual(refusal('account_not_eligible'));
    expect(await h.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
  });

  it('of several concurrent redemptions of one code exactly one wins', async () => {
    const issued = await h.services.accounts.issueCode('ada.new', 'test');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => redeem(issued.code)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toEqual(refusal('code_used'));
    expect(await h.db.selectFrom('sessions').select('id').execute()).toHaveLength(1);
  });
});

describe('devices', () => {
  it('a new device opening two sessions at once (two codes) gets both, and is recorded once', async () => {
    await h.services.accounts.createUser({ username: 'grace', displayName: 'Grace Hopper' }, 'test');
    const codes = await Promise.all(['ada.new', 'grace'].map((u) => h.services.accounts.issueCode(u, 'test')));
    const opened = await Promise.all(codes.map((c) => redeem(c.code)));
    expect(opened.map((o) => o.session.user.username).sort()).toEqual(['ada.new', 'grace']);
    expect(await h.services.devices.list()).toEqual([expect.objectContaining({ jkt: TEST_JKT, name: TEST_DEVICE.name })]);
  });
});
