import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { BLANK_PAGE } from '../../electron/main/kiosk/wipe.js';
import { resetElectron } from './support/kiosk-electron.js';
import { fakeRenderer, host } from './support/kiosk-host.js';

/**
 * Issue 12's station: the wipe between one person and the next, in main's order, and the operator's
 * PIN as the only way out of kiosk mode. The window: kiosk-window.test.ts.
 */

vi.mock('electron', () => import('./support/kiosk-electron.js'));

beforeEach(resetElectron);

/** What exit() did: quit, or the refusal's code. */
function exitRefusal(kiosk: { exit(): void }): string {
  try {
    kiosk.exit();
    return 'quit';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('One person at a time', () => {
  it('wipes in order: the page goes, then the partition storage and the clipboard, then the start screen returns', async () => {
    const { kiosk, renderer } = host();
    await kiosk.wipe();
    expect(renderer.steps).toEqual([`load ${BLANK_PAGE}`, 'clearData', 'clearClipboard', `load ${DEMO_ENROLMENT_ORIGIN}/`]);
  });

  it('falls back to clearing storage and cache when clearData fails', async () => {
    const { kiosk, renderer } = host(fakeRenderer({ clearData: true }));
    await kiosk.wipe();
    expect(renderer.steps).toEqual([
      `load ${BLANK_PAGE}`,
      'clearData',
      'clearStorageData',
      'clearCache',
      'clearClipboard',
      `load ${DEMO_ENROLMENT_ORIGIN}/`,
    ]);
  });

  it('restarts the app (a fresh in-memory partition) rather than show the start screen over storage it could not clear', async () => {
    const { kiosk, renderer } = host(fakeRenderer({ clearData: true, fallback: true }));
    await kiosk.wipe();
    expect(renderer.steps.at(-1)).toBe('restart');
    expect(renderer.steps).not.toContain(`load ${DEMO_ENROLMENT_ORIGIN}/`);
  });

  it('ends the operator unlock, so the next person cannot leave kiosk mode with it', async () => {
    const { kiosk, quits } = host();
    await kiosk.operatorPin.set('270419');
    expect(await kiosk.operatorPin.verify('270419')).toEqual({ ok: true });
    await kiosk.wipe();
    expect(exitRefusal(kiosk)).toBe('operator_required');
    expect(quits).toEqual([]);
  });
});

describe('Leaving kiosk mode needs the operator', () => {
  it('refuses to quit before the PIN, or after a wrong one, and quits right after the right one', async () => {
    const { kiosk, quits } = host();
    await kiosk.operatorPin.set('270419');
    expect(exitRefusal(kiosk)).toBe('operator_required');
    await kiosk.operatorPin.verify('270418');
    expect(exitRefusal(kiosk)).toBe('operator_required');
    expect(quits).toEqual([]);
    await kiosk.operatorPin.verify('270419');
    expect(exitRefusal(kiosk)).toBe('quit');
    expect(quits).toEqual(['quit']);
  });
});
