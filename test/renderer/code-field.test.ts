import { describe, expect, it } from 'vitest';
import type { IpcFailure } from '../../api/ipc';
import { blamesTheCode, noticeFor } from '../../renderer/src/store/failures';

const refused = (code: IpcFailure['error']['code'], extra: Partial<IpcFailure['error']> = {}): IpcFailure => ({
  ok: false,
  error: { code, message: code, ...extra },
});

describe('Accessibility: the code field is marked invalid only for failures about the code', () => {
  it('wrong, used, expired, locked, too many tries: the code is at fault', () => {
    for (const failure of [
      refused('code_invalid'),
      refused('code_invalid', { tries: { beforeWait: 2 } }),
      refused('code_invalid', { tries: { beforeWait: 0 } }),
      refused('code_invalid', { tries: { beforeWait: 3, beforeLock: 1 } }),
      refused('code_used'),
      refused('code_expired'),
      refused('code_locked'),
      refused('rate_limited', { retryAfterSeconds: 30 }),
      refused('rate_limited', { retryAfterSeconds: 600 }),
    ]) {
      expect(blamesTheCode(noticeFor(failure)), failure.error.code).toBe(true);
    }
  });

  it('a service account, a revoked computer, a missing keychain, a session that ran out: not the code', () => {
    for (const code of [
      'account_not_eligible',
      'device_revoked',
      'keychain_unavailable',
      'session_expired',
      'session_invalid',
      'network',
    ] as const) {
      expect(blamesTheCode(noticeFor(refused(code))), code).toBe(false);
    }
    expect(blamesTheCode(null)).toBe(false);
    expect(blamesTheCode({ tone: 'info', key: 'confirm.notYou' })).toBe(false);
  });
});
