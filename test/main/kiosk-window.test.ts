import type { BrowserWindow, Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { lockDownSession } from '../../electron/main/security.js';
import { PRINT_PARTITION, RENDERER_PARTITION } from '../../electron/main/web-preferences.js';
import { createEnrolmentWindow, lockDownKioskWindow, recoverFromRendererLoss } from '../../electron/main/window.js';
import { electron, resetElectron } from './support/kiosk-electron.js';

/**
 * Issue 12's station, against the 'electron' module replaced by a recorder (no
 * Electron binary here, DESIGN.md): the kiosk window's options and guards, and a
 * lost renderer. Printing: kiosk-print.test.ts; the wipe and the way out:
 * kiosk-wipe.test.ts. What only a real kiosk window and a real printer can show
 * is listed in the README.
 */
type Listener = (...args: unknown[]) => unknown;

vi.mock('electron', () => import('./support/kiosk-electron.js'));

beforeEach(resetElectron);

/** A stand-in kiosk window: records what our code registers on it and asks of it. */
function kioskWindow() {
  const windowListeners = new Map<string, Listener>();
  const contentsListeners = new Map<string, Listener>();
  const calls: string[] = [];
  const window = {
    webContents: {
      on(event: string, listener: Listener) {
        contentsListeners.set(event, listener);
      },
      setVisualZoomLevelLimits(min: number, max: number) {
        calls.push(`zoomLimits ${min} ${max}`);
        return Promise.resolve();
      },
      setZoomLevel(level: number) {
        calls.push(`zoomLevel ${level}`);
      },
    },
    on(event: string, listener: Listener) {
      windowListeners.set(event, listener);
    },
    removeMenu() {
      calls.push('removeMenu');
    },
    restore() {
      calls.push('restore');
    },
    setKiosk(on: boolean) {
      calls.push(`setKiosk ${on}`);
    },
  };
  const fire = (listeners: Map<string, Listener>, event: string, ...args: unknown[]): boolean => {
    const listener = listeners.get(event);
    if (!listener) throw new Error(`no ${event} listener`);
    let prevented = false;
    listener({ preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  };
  return {
    window: window as unknown as BrowserWindow,
    calls,
    onWindow: (event: string, ...args: unknown[]) => fire(windowListeners, event, ...args),
    onContents: (event: string, ...args: unknown[]) => fire(contentsListeners, event, ...args),
  };
}

const keyDown = (key: string, mods: Record<string, boolean> = {}) => ({
  type: 'keyDown',
  key,
  code: /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : key,
  control: false,
  meta: false,
  alt: false,
  shift: false,
  ...mods,
});

describe('A locked-down window', () => {
  it('opens full screen in kiosk form: no frame, nothing to close, minimise, move or resize, no DevTools even in development', () => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in: only its identity is passed through
    createEnrolmentWindow({ kiosk: true }, {} as Session, '/p.cjs');
    expect(electron.windows[0]).toMatchObject({
      kiosk: true,
      fullscreen: true,
      frame: false,
      closable: false,
      minimizable: false,
      maximizable: false,
      movable: false,
      resizable: false,
    });
    expect((electron.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(false);
  });

  it('swallows the blocked keys before the page or Chromium sees them, and passes typing through', () => {
    const station = kioskWindow();
    lockDownKioskWindow(station.window);
    for (const [key, mods] of [
      ['r', { control: true }],
      ['F5', {}],
      ['F12', {}],
      ['I', { control: true, shift: true }],
      ['+', { control: true }],
      ['p', { meta: true }],
      ['w', { control: true }],
      ['F4', { alt: true }],
      ['ArrowLeft', { alt: true }],
      ['u', { control: true }],
    ] as const) {
      expect(station.onContents('before-input-event', keyDown(key, mods)), `${key} ${JSON.stringify(mods)}`).toBe(true);
    }
    for (const key of ['a', '7', 'Tab', 'Enter', 'Backspace']) expect(station.onContents('before-input-event', keyDown(key))).toBe(false);
    expect(station.onContents('before-input-event', keyDown('v', { control: true }))).toBe(false);
  });

  it('keeps zoom at 100 %, removes the window menu and shows no context menu', () => {
    const station = kioskWindow();
    lockDownKioskWindow(station.window);
    expect(station.calls).toEqual(expect.arrayContaining(['removeMenu', 'zoomLimits 1 1']));
    station.onContents('zoom-changed', 'in');
    expect(station.calls).toContain('zoomLevel 0');
    expect(station.onContents('context-menu', {})).toBe(true);
    expect(station.onWindow('system-context-menu', { x: 0, y: 0 })).toBe(true);
  });

  it('cannot be closed, minimised or taken out of kiosk mode until the operator releases it', () => {
    const station = kioskWindow();
    const lock = lockDownKioskWindow(station.window);
    expect(station.onWindow('close')).toBe(true);
    station.onWindow('minimize');
    station.onWindow('leave-full-screen');
    expect(station.calls).toEqual(expect.arrayContaining(['restore', 'setKiosk true']));
    lock.release();
    expect(station.onWindow('close')).toBe(false);
  });

  it('downloads nothing and opens no file dialog, and a station page may not even write the clipboard', () => {
    const handlers = new Map<string, Listener>();
    const session = {
      setPermissionRequestHandler: (handler: Listener) => handlers.set('request', handler),
      setPermissionCheckHandler: (handler: Listener) => handlers.set('check', handler),
      setDevicePermissionHandler: (handler: Listener) => handlers.set('device', handler),
      on: (event: string, handler: Listener) => handlers.set(event, handler),
    } as unknown as Session;
    const ours = { getURL: () => `${DEMO_ENROLMENT_ORIGIN}/` };
    const clipboardWrite = () => handlers.get('check')?.(ours, 'clipboard-sanitized-write', DEMO_ENROLMENT_ORIGIN, { isMainFrame: true });

    lockDownSession(session, DEMO_ENROLMENT_ORIGIN, { kiosk: true });
    let prevented = false;
    handlers.get('will-download')?.({ preventDefault: () => (prevented = true) }, { getFilename: () => 'codes.txt' });
    expect(prevented).toBe(true);
    expect(clipboardWrite()).toBe(false);
    const answers: boolean[] = [];
    handlers.get('request')?.(ours, 'clipboard-sanitized-write', (granted: boolean) => answers.push(granted), {
      requestingUrl: `${DEMO_ENROLMENT_ORIGIN}/`,
      isMainFrame: true,
    });
    expect(answers).toEqual([false]);

    // The same session on a person's own computer still lets them copy their codes.
    lockDownSession(session, DEMO_ENROLMENT_ORIGIN);
    expect(clipboardWrite()).toBe(true);
  });

  it('keeps the renderer and print partitions in memory (no persist: prefix), so nothing of a person reaches the disk', () => {
    for (const partition of [RENDERER_PARTITION, PRINT_PARTITION]) expect(partition).not.toMatch(/^persist:/);
  });
});

describe('A lost renderer on a station', () => {
  it('is wiped like a finished turn, not merely reloaded over what it stored', () => {
    const listeners = new Map<string, Listener>();
    const steps: string[] = [];
    const window = {
      webContents: {
        on(event: string, listener: Listener) {
          listeners.set(event, listener);
        },
      },
      isDestroyed: () => false,
      loadURL: (url: string) => {
        steps.push(`load ${url}`);
        return Promise.resolve();
      },
    } as unknown as BrowserWindow;
    recoverFromRendererLoss(window, {
      startUrl: `${DEMO_ENROLMENT_ORIGIN}/`,
      abandonSession: () => steps.push('abandon'),
      reload: async () => {
        steps.push('wipe');
      },
      giveUp: () => steps.push('give up'),
    });
    listeners.get('render-process-gone')?.({}, { reason: 'crashed', exitCode: 1 });
    expect(steps).toEqual(['abandon', 'wipe']);
  });
});
