import { describe, expect, it } from 'vitest';
import type { IpcFailure } from '../../api/ipc';
import { PostureRefusal, PostureRequirementName } from '../../api/posture';
import { createI18n, type Language } from '../../renderer/src/i18n';
import { noticeFor } from '../../renderer/src/store/failures';

/**
 * Issue 15, device posture: for every requirement a tier can set and every platform the server can
 * name, the person reads what is missing and how to fix it, in each language; the refusal's details
 * reach the code screen with the notice.
 */

const LANGUAGES: Language[] = ['en', 'de', 'fr'];
const PLATFORMS = PostureRefusal.shape.platform.options;

describe('Device posture: what to change, on every OS, in every language', () => {
  it.each(LANGUAGES)('%s: each requirement has its name and a fix for Windows, macOS, Linux and any other OS', async (language) => {
    const i18n = await createI18n(language);
    for (const requirement of PostureRequirementName.options) {
      expect(i18n.exists(`posture.need.${requirement}`), requirement).toBe(true);
      for (const platform of PLATFORMS)
        expect(i18n.exists(`posture.fix.${requirement}.${platform}`), `${requirement}.${platform}`).toBe(true);
    }
  });

  it('the fixes name the OS’s own setting: BitLocker on Windows, FileVault on a Mac, reinstalling with LUKS on Linux', async () => {
    const en = await createI18n('en');
    expect(en.t('posture.fix.diskEncryption.win32')).toContain('Settings > Privacy & security > Device encryption');
    expect(en.t('posture.fix.diskEncryption.darwin')).toContain('FileVault');
    expect(en.t('posture.fix.diskEncryption.linux')).toContain('reinstalling');
    const de = await createI18n('de');
    expect(de.t('posture.fix.diskEncryption.win32')).toContain('BitLocker');
    expect(de.t('posture.status.version', { reported: '10.0.19044', minimum: '10.0.19045' })).toContain('10.0.19045');
  });

  it('the refusal’s details travel with its notice; without them it is a plain notice', () => {
    const posture: PostureRefusal = { platform: 'win32', unmet: [{ requirement: 'diskEncryption', reported: false }] };
    const failure: IpcFailure = { ok: false, error: { code: 'device_posture_insufficient', message: 'x', posture } };
    expect(noticeFor(failure)).toEqual({ tone: 'error', key: 'errors.api.device_posture_insufficient', posture });
    expect(noticeFor({ ok: false, error: { code: 'device_posture_insufficient', message: 'x' } })).toEqual({
      tone: 'error',
      key: 'errors.api.device_posture_insufficient',
    });
  });
});
