import { describe, expect, it } from 'vitest';
import type { TriesLeft } from '../../api/errors';
import type { IpcFailure } from '../../api/ipc';
import { createI18n, type Language } from '../../renderer/src/i18n';
import { noticeFor } from '../../renderer/src/store/failures';
import { timeoutNotice } from '../../renderer/src/store/session-slice';

const wrong = (code: 'code_invalid' | 'recovery_code_invalid', tries?: TriesLeft): IpcFailure => ({
  ok: false,
  error: tries ? { code, message: code, tries } : { code, message: code },
});

async function said(language: Language, failure: IpcFailure): Promise<string> {
  const i18n = await createI18n(language);
  const notice = noticeFor(failure);
  return i18n.t(notice.key, notice.values ?? {});
}

describe('Wrong-code messages should say how many tries are left', () => {
  it('says the tries before the wait, in the plural each language needs', async () => {
    expect(await said('en', wrong('code_invalid', { beforeWait: 2 }))).toBe(
      'We did not recognise that code. Check it and try again: 2 more tries before you have to wait.',
    );
    expect(await said('en', wrong('code_invalid', { beforeWait: 1 }))).toContain('1 more try before you have to wait.');
    expect(await said('de', wrong('code_invalid', { beforeWait: 1 }))).toContain('Noch 1 Versuch, bevor Sie warten müssen.');
    expect(await said('de', wrong('code_invalid', { beforeWait: 2 }))).toContain('Noch 2 Versuche, bevor Sie warten müssen.');
    expect(await said('fr', wrong('recovery_code_invalid', { beforeWait: 2 }))).toContain('encore 2 essais avant de devoir patienter.');
  });

  it('the lock when it is nearer than the wait; when this try was the last, what to do now', async () => {
    expect(await said('en', wrong('code_invalid', { beforeWait: 0, beforeLock: 2 }))).toContain('2 more wrong tries and it locks.');
    expect(await said('en', wrong('code_invalid', { beforeWait: 3, beforeLock: 3 }))).toContain('3 more wrong tries and it locks.');
    expect(await said('en', wrong('code_invalid', { beforeWait: 0, beforeLock: 0 }))).toContain(
      'it is now locked. Ask your IT team for a new one.',
    );
    expect(await said('en', wrong('recovery_code_invalid', { beforeWait: 0, beforeLock: 0 }))).toContain('Ask your help desk.');
  });

  it('no tries in the refusal (an older server, a malformed code): the refusal as before', async () => {
    expect(await said('en', wrong('code_invalid'))).toBe(
      'We did not recognise that code. Check it and try again; after several wrong tries it will be locked.',
    );
  });
});

describe('The app ends active sessions at 5:00: what the person is told', () => {
  it('an enrolment that timed out says the code still works here while it does; any other session says to start again', async () => {
    const i18n = await createI18n('en');
    const now = Date.parse('2030-01-01T00:10:00.000Z');
    const enrol = (codeReopensUntil?: string) => ({ purpose: 'enrol', codeReopensUntil }) as Parameters<typeof timeoutNotice>[0];
    expect(i18n.t(timeoutNotice(enrol('2030-01-01T08:00:00.000Z'), now).key)).toContain(
      'Enter your code again to start over: it still works on this computer.',
    );
    expect(i18n.t(timeoutNotice(enrol('2030-01-01T00:09:59.000Z'), now).key)).toContain('ask your IT team for a new one');
    expect(i18n.t(timeoutNotice(enrol(), now).key)).toContain('ask your IT team for a new one');
    const recover = { purpose: 'recover' } as Parameters<typeof timeoutNotice>[0];
    expect(i18n.t(timeoutNotice(recover, now).key)).toBe('Your time ran out, so nothing was changed. Start again when you are ready.');
  });
});
