import type { BrowserWindow, Session } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import {
  DEBUGGING_SWITCHES,
  findDebuggingSwitch,
  lockDownSession,
  lockDownWebContents,
  removeDeveloperMenu,
} from '../../electron/main/security.js';
import { createEnrolmentWindow, recoverFromRendererLoss } from '../../electron/main/window.js';

/**
 * Issue 10's hardening items, against the 'electron' module replaced by a
 * recorder (no Electron binary here, DESIGN.md): what our code asks of Electron
 * in a packaged build, and what its handlers answer.
 */
type Listener = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  const state = {
    packaged: false,
    appListeners: new Map<string, ((...args: unknown[]) => unknown)[]>(),
    windows: [] as Record<string, unknown>[],
    menus: [] as unknown[],
  };
  class BrowserWindow {
    readonly webContents = {};
    constructor(options: Record<string, unknown>) {
      state.windows.push(options);
    }
    once(): void {}
  }
  return {
    state,
    module: {
      app: {
        get isPackaged() {
          return state.packaged;
        },
        on(event: string, listener: (...args: unknown[]) => unknown) {
          state.appListeners.set(event, [...(state.appListeners.get(event) ?? []), listener]);
        },
      },
      Menu: {
        setApplicationMenu(menu: unknown) {
          state.menus.push(menu);
        },
      },
      BrowserWindow,
    },
  };
});

vi.mock('electron', () => electron.module);

const ORIGIN = DEMO_ENROLMENT_ORIGIN;

beforeEach(() => {
  electron.state.packaged = false;
  electron.state.appListeners.clear();
  electron.state.windows.length = 0;
  electron.state.menus.length = 0;
  delete process.env.FIRSTKEY_NO_DEVTOOLS;
});

describe('DevTools and remote debugging in production', () => {
  it('a packaged build opens its window without DevTools', () => {
    electron.state.packaged = true;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in: only its identity is passed through
    createEnrolmentWindow({ kiosk: false }, {} as Session, '/p.cjs');
    expect((electron.state.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(false);
  });

  it('a development run keeps DevTools unless FIRSTKEY_NO_DEVTOOLS is set', () => {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in: only its identity is passed through
    createEnrolmentWindow({ kiosk: false }, {} as Session, '/p.cjs');
    expect((electron.state.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(true);
  });

  it('a packaged build has no application menu (no Toggle Developer Tools, no Reload)', () => {
    removeDeveloperMenu(false);
    expect(electron.state.menus).toEqual([]);
    removeDeveloperMenu(true);
    expect(electron.state.menus).toEqual([null]);
  });

  it('a packaged build closes DevTools the moment anything opens them', () => {
    const opened = (production: boolean) => {
      electron.state.appListeners.clear();
      lockDownWebContents(ORIGIN, { production });
      const listeners = new Map<string, Listener>();
      let closed = 0;
      const contents = {
        on(event: string, listener: Listener) {
          listeners.set(event, listener);
          return contents;
        },
        setWindowOpenHandler() {},
        closeDevTools() {
          closed += 1;
        },
      };
      for (const listener of electron.state.appListeners.get('web-contents-created') ?? []) listener({}, contents);
      listeners.get('devtools-opened')?.();
      return closed;
    };
    expect(opened(true)).toBe(1);
    expect(opened(false)).toBe(0);
  });

  it.each([
    ['--remote-debugging-port=9222', '--remote-debugging-port'],
    ['--remote-debugging-port', '--remote-debugging-port'],
    ['-remote-debugging-port=9222', '--remote-debugging-port'],
    ['--REMOTE-DEBUGGING-PORT=9222', '--remote-debugging-port'],
    ['/remote-debugging-port=9222', '--remote-debugging-port'],
    ['--remote-debugging-pipe', '--remote-debugging-pipe'],
    ['--inspect', '--inspect'],
    ['--inspect=0.0.0.0:9229', '--inspect'],
    ['--inspect-brk', '--inspect-brk'],
    ['--inspect-port=9229', '--inspect-port'],
    ['--js-flags=--allow-natives-syntax', '--js-flags'],
  ])('refuses to start with %s', (arg, named) => {
    expect(findDebuggingSwitch(['/opt/FirstKey/firstkey', arg])).toBe(named);
  });

  it('sees a switch Chromium was given some other way', () => {
    expect(findDebuggingSwitch(['/opt/FirstKey/firstkey'], (name) => name === 'remote-debugging-pipe')).toBe('--remote-debugging-pipe');
    expect(DEBUGGING_SWITCHES).toEqual(
      expect.arrayContaining(['remote-debugging-port', 'remote-debugging-pipe', 'inspect', 'inspect-brk', 'inspect-port', 'js-flags']),
    );
  });

  it('starts normally with a link, ordinary switches, or a path that merely contains the words', () => {
    expect(
      findDebuggingSwitch([
        '/opt/inspect/firstkey',
        'firstkey://enrol?code=ABCD-EFGH-JKMN',
        '--no-sandbox-is-not-ours',
        '--inspector-of-nothing',
        '/home/ada/inspect',
      ]),
    ).toBeNull();
  });
});

describe('Permission handlers should check the requesting origin', () => {
  const handlers: { request?: Listener; check?: Listener; device?: Listener } = {};
  beforeEach(() => {
    lockDownSession(
      {
        setPermissionRequestHandler: (handler: Listener) => (handlers.request = handler),
        setPermissionCheckHandler: (handler: Listener) => (handlers.check = handler),
        setDevicePermissionHandler: (handler: Listener) => (handlers.device = handler),
        on() {},
      } as unknown as Session,
      ORIGIN,
    );
  });
  const showing = (url: string) => ({ getURL: () => url });
  const requested = (contents: unknown, details: Record<string, unknown>) => {
    const answers: unknown[] = [];
    handlers.request?.(contents, 'clipboard-sanitized-write', (granted: boolean) => answers.push(granted), details);
    return answers;
  };

  it('lets the enrolment page, in its main frame, write the clipboard', () => {
    expect(requested(showing(`${ORIGIN}/`), { requestingUrl: `${ORIGIN}/`, isMainFrame: true })).toEqual([true]);
    expect(handlers.check?.(showing(`${ORIGIN}/`), 'clipboard-sanitized-write', ORIGIN, { isMainFrame: true })).toBe(true);
  });

  it.each([
    ['a subframe of the enrolment page', `${ORIGIN}/`, `${ORIGIN}/`, false],
    ['another origin', `${ORIGIN}/`, 'https://evil.example/', true],
    ['a look-alike host', `${ORIGIN}/`, 'https://enrol.firstkey.test.evil.example/', true],
    ['http on the same host', `${ORIGIN}/`, 'http://enrol.firstkey.test/', true],
    ['a page that navigated away', 'https://evil.example/', `${ORIGIN}/`, true],
    ['an unparsable URL', `${ORIGIN}/`, 'not a url', true],
  ])('refuses %s', (_label, shown, requestingUrl, isMainFrame) => {
    expect(requested(showing(shown), { requestingUrl, isMainFrame })).toEqual([false]);
    expect(handlers.check?.(showing(shown), 'clipboard-sanitized-write', requestingUrl, { isMainFrame })).toBe(false);
  });

  it('refuses a check with no web contents to vouch for it', () => {
    expect(handlers.check?.(null, 'clipboard-sanitized-write', ORIGIN, { isMainFrame: true })).toBe(false);
  });
});

describe('A lost renderer never keeps a half-open session', () => {
  function fakeWindow() {
    const listeners = new Map<string, Listener>();
    const loaded: string[] = [];
    const window = {
      destroyed: false,
      webContents: {
        on(event: string, listener: Listener) {
          listeners.set(event, listener);
        },
      },
      isDestroyed() {
        return window.destroyed;
      },
      loadURL(url: string) {
        loaded.push(url);
        return Promise.resolve();
      },
    };
    const gone = (reason: string, exitCode = 1) => listeners.get('render-process-gone')?.({}, { reason, exitCode });
    return { window: window as unknown as BrowserWindow, loaded, gone, raw: window };
  }

  function watch(now: () => number = Date.now) {
    const fake = fakeWindow();
    const abandoned: string[] = [];
    let gaveUp = 0;
    recoverFromRendererLoss(fake.window, {
      startUrl: `${ORIGIN}/`,
      abandonSession: (reason) => abandoned.push(reason),
      giveUp: () => (gaveUp += 1),
      now,
    });
    return { ...fake, abandoned, gaveUp: () => gaveUp };
  }

  it('drops the session and loads the start screen again after a crash', () => {
    const run = watch();
    run.gone('crashed');
    expect(run.abandoned).toEqual(['crashed']);
    expect(run.loaded).toEqual([`${ORIGIN}/`]);
  });

  it.each(['killed', 'oom', 'abnormal-exit', 'launch-failed', 'integrity-failure', 'memory-eviction'])(
    'does the same when it was %s',
    (reason) => {
      const run = watch();
      run.gone(reason);
      expect(run.abandoned).toEqual([reason]);
      expect(run.loaded).toEqual([`${ORIGIN}/`]);
    },
  );

  it('drops the session but reloads nothing when the window is closing', () => {
    const run = watch();
    run.gone('clean-exit', 0);
    run.raw.destroyed = true;
    run.gone('crashed');
    expect(run.abandoned).toEqual(['clean-exit', 'crashed']);
    expect(run.loaded).toEqual([]);
  });

  it('gives up, rather than loop, when the renderer keeps dying', () => {
    let time = 0;
    const run = watch(() => time);
    for (let n = 0; n < 4; n += 1) {
      time += 1_000;
      run.gone('crashed');
    }
    expect(run.loaded).toHaveLength(3);
    expect(run.gaveUp()).toBe(1);
    expect(run.abandoned).toHaveLength(4);
    // Crashes far apart are each recovered.
    const spaced = watch(() => (time += 120_000));
    for (let n = 0; n < 5; n += 1) spaced.gone('crashed');
    expect(spaced.loaded).toHaveLength(5);
    expect(spaced.gaveUp()).toBe(0);
  });
});
