import type { BrowserWindow, Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createKioskHost } from '../../electron/main/kiosk/host.js';
import { createOperatorAccess, createOperatorPinStore } from '../../electron/main/kiosk/operator-pin.js';
import { KIOSK_CATALOGUES, printWords, type PrinterChoice } from '../../electron/main/kiosk/print.js';
import { BLANK_PAGE } from '../../electron/main/kiosk/wipe.js';
import { lockDownSession } from '../../electron/main/security.js';
import { PRINT_PARTITION, RENDERER_PARTITION } from '../../electron/main/web-preferences.js';
import { createEnrolmentWindow, lockDownKioskWindow, openPrintWindow, recoverFromRendererLoss } from '../../electron/main/window.js';
import { MemorySecretStore } from './support/device.js';

/**
 * Issue 12's station, against the 'electron' module replaced by a recorder (no
 * Electron binary here, DESIGN.md): the kiosk window's options and guards, the
 * print window and what it prints, and the wipe's order. What only a real
 * kiosk window and a real printer can show is listed in the README.
 */
type Listener = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  const state = {
    windows: [] as Record<string, unknown>[],
    printWindows: [] as {
      options: Record<string, unknown>;
      loaded: string[];
      printed: unknown[];
      destroyed: boolean;
    }[],
    printers: [] as PrinterChoice[],
    printOutcome: { success: true, failureReason: '' },
    loadFails: false,
  };
  class BrowserWindow {
    readonly record;
    readonly webContents;
    constructor(options: Record<string, unknown>) {
      state.windows.push(options);
      this.record = { options, loaded: [] as string[], printed: [] as unknown[], destroyed: false };
      state.printWindows.push(this.record);
      const record = this.record;
      this.webContents = {
        getPrintersAsync: async () => state.printers,
        print(printOptions: unknown, callback: (success: boolean, reason: string) => void) {
          record.printed.push(printOptions);
          setTimeout(() => {
            callback(state.printOutcome.success, state.printOutcome.failureReason);
          }, 1);
        },
      };
    }
    once(): void {}
    loadURL(url: string) {
      this.record.loaded.push(url);
      return state.loadFails ? Promise.reject(new Error('ERR_ABORTED')) : Promise.resolve();
    }
    isDestroyed() {
      return this.record.destroyed;
    }
    destroy() {
      this.record.destroyed = true;
    }
  }
  return { state, module: { app: { isPackaged: false, on() {} }, BrowserWindow } };
});

vi.mock('electron', () => electron.module);

beforeEach(() => {
  electron.state.windows.length = 0;
  electron.state.printWindows.length = 0;
  electron.state.printers = [{ name: 'Lobby_Laser', displayName: 'Lobby Laser', description: 'HP LaserJet', options: {} }];
  electron.state.printOutcome = { success: true, failureReason: '' };
  electron.state.loadFails = false;
});

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
    expect(electron.state.windows[0]).toMatchObject({
      kiosk: true,
      fullscreen: true,
      frame: false,
      closable: false,
      minimizable: false,
      maximizable: false,
      movable: false,
      resizable: false,
    });
    expect((electron.state.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(false);
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

// ---------------------------------------------------------------- print

function host(renderer = fakeRenderer()) {
  const quits: string[] = [];
  const access = createOperatorAccess(createOperatorPinStore({ store: new MemorySecretStore(), account: 'station' }));
  const kiosk = createKioskHost({
    access,
    print: { openPrintWindow, locale: 'en-GB' },
    renderer: renderer.target,
    startUrl: `${DEMO_ENROLMENT_ORIGIN}/`,
    quit: () => quits.push('quit'),
  });
  return { kiosk, quits, renderer };
}

function printedPage(): string {
  const url = electron.state.printWindows[0]?.loaded[0] ?? '';
  expect(url.startsWith('data:text/html;charset=utf-8,')).toBe(true);
  return decodeURIComponent(url.slice('data:text/html;charset=utf-8,'.length));
}

describe('Recovery codes on a kiosk are printed, never saved', () => {
  it('prints the codes silently (no dialog offering Save as PDF) on the paper printer, then destroys the window', async () => {
    const { kiosk } = host();
    expect(await kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A', '9HTR-C3VB-ZN8E'])).toEqual({ printed: true });
    const [window] = electron.state.printWindows;
    expect(window?.printed).toEqual([{ silent: true, printBackground: false, deviceName: 'Lobby_Laser' }]);
    expect(window?.destroyed).toBe(true);
    const page = printedPage();
    expect(page).toContain('<li>7KQW-M2XD-PL4A</li><li>9HTR-C3VB-ZN8E</li>');
    expect(page).toContain('FirstKey recovery codes');
    expect(page).toContain(`default-src 'none'`);
    expect(page).not.toContain('<script');
  });

  it('renders in a hidden window with no preload, no script and an in-memory partition of its own', async () => {
    await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A']);
    const options = electron.state.printWindows[0]?.options ?? {};
    expect(options.show).toBe(false);
    expect(options.webPreferences).toMatchObject({
      partition: PRINT_PARTITION,
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
    });
    expect(options.webPreferences).not.toHaveProperty('preload');
  });

  it('prints text, never markup: a code cannot inject into the page', async () => {
    await host().kiosk.printRecoveryCodes(['<img src=https://evil.example/x>', '"&']);
    const page = printedPage();
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=https://evil.example/x&gt;');
    expect(page).toContain('&quot;&amp;');
  });

  it('never prints to a PDF, XPS or file printer, and says so when the station has no paper printer', async () => {
    electron.state.printers = [
      { name: 'Microsoft_Print_to_PDF', displayName: 'Microsoft Print to PDF', description: '', options: {} },
      { name: 'PDF', displayName: 'Save as PDF', description: 'CUPS-PDF', options: {} },
      { name: 'XPS', displayName: 'Microsoft XPS Document Writer', description: '', options: {} },
    ];
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.state.printWindows[0]?.printed).toEqual([]);
    expect(electron.state.printWindows[0]?.loaded).toEqual([]);
    expect(electron.state.printWindows[0]?.destroyed).toBe(true);
  });

  it('prefers the default paper printer over the first one', async () => {
    electron.state.printers = [
      { name: 'Microsoft_Print_to_PDF', displayName: 'Microsoft Print to PDF', description: '', options: { 'is-default': 'true' } },
      { name: 'Backroom', displayName: 'Backroom', description: '', options: {} },
      { name: 'Lobby_Laser', displayName: 'Lobby Laser', description: '', options: { 'is-default': 'true' } },
    ];
    await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A']);
    expect(electron.state.printWindows[0]?.printed).toEqual([expect.objectContaining({ deviceName: 'Lobby_Laser' })]);
  });

  it('answers printed: false when the printer refuses, or the page does not load, and still destroys the window', async () => {
    electron.state.printOutcome = { success: false, failureReason: 'Print job failed' };
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.state.printWindows[0]?.destroyed).toBe(true);

    electron.state.printWindows.length = 0;
    electron.state.loadFails = true;
    expect(await host().kiosk.printRecoveryCodes(['7KQW-M2XD-PL4A'])).toEqual({ printed: false });
    expect(electron.state.printWindows[0]?.printed).toEqual([]);
    expect(electron.state.printWindows[0]?.destroyed).toBe(true);
  });
});

// ---------------------------------------------------------------- wipe

function fakeRenderer(fail: { clearData?: boolean; fallback?: boolean } = {}) {
  const steps: string[] = [];
  const target = {
    loadURL: async (url: string) => {
      steps.push(`load ${url}`);
    },
    session: {
      clearData: async () => {
        steps.push('clearData');
        if (fail.clearData) throw new Error('clearData failed');
      },
      clearStorageData: async () => {
        steps.push('clearStorageData');
        if (fail.fallback) throw new Error('clearStorageData failed');
      },
      clearCache: async () => {
        steps.push('clearCache');
      },
    },
    clearClipboard: () => steps.push('clearClipboard'),
    restart: () => steps.push('restart'),
  };
  return { steps, target };
}

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

describe('The printed page speaks the station’s language', () => {
  it('has every English word in German too, and picks by locale', () => {
    expect(Object.keys(KIOSK_CATALOGUES.de.print).sort()).toEqual(Object.keys(KIOSK_CATALOGUES.en.print).sort());
    expect(printWords('de-AT')).toEqual({ lang: 'de', words: KIOSK_CATALOGUES.de.print });
    expect(printWords('fr-CA')).toEqual({ lang: 'fr', words: KIOSK_CATALOGUES.fr.print });
    expect(printWords('ja-JP')).toEqual({ lang: 'en', words: KIOSK_CATALOGUES.en.print });
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
