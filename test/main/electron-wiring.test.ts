import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import { AppConfig } from '../../electron/main/config.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import { registerIpc } from '../../electron/main/ipc/register.js';
import { lockDownSession, lockDownWebContents } from '../../electron/main/security.js';
import { SECURE_WEB_PREFERENCES } from '../../electron/main/web-preferences.js';
import { createEnrolmentWindow } from '../../electron/main/window.js';
import { newDevice } from './support/device.js';

/**
 * main's wiring into Electron, run in plain Node: no Electron binary can be
 * downloaded here (DESIGN.md), so the 'electron' module (not ours) is replaced by
 * a recorder and our code's calls into it are checked: the window's preferences,
 * navigation and window-open locks, the permission handlers, and how registerIpc
 * derives the sender it hands the IPC gate.
 */
type Listener = (...args: unknown[]) => unknown;

const electron = vi.hoisted(() => {
  const appListeners = new Map<string, ((...args: unknown[]) => unknown)[]>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const opened: string[] = [];
  const windows: Record<string, unknown>[] = [];
  class BrowserWindow {
    readonly webContents = {};
    constructor(options: Record<string, unknown>) {
      windows.push(options);
    }
    once(): void {}
  }
  return {
    appListeners,
    ipcHandlers,
    opened,
    windows,
    module: {
      app: {
        isPackaged: false,
        on(event: string, listener: (...args: unknown[]) => unknown) {
          appListeners.set(event, [...(appListeners.get(event) ?? []), listener]);
        },
      },
      shell: {
        openExternal: async (url: string) => {
          opened.push(url);
        },
      },
      ipcMain: {
        handle(channel: string, listener: (...args: unknown[]) => unknown) {
          ipcHandlers.set(channel, listener);
        },
      },
      BrowserWindow,
    },
  };
});

vi.mock('electron', () => electron.module);

const ORIGIN = DEMO_ENROLMENT_ORIGIN;

beforeEach(() => {
  electron.appListeners.clear();
  electron.ipcHandlers.clear();
  electron.opened.length = 0;
  electron.windows.length = 0;
});

// ---------------------------------------------------------------- window

describe('createEnrolmentWindow', () => {
  const previous = process.env.FIRSTKEY_NO_DEVTOOLS;
  afterEach(() => {
    if (previous === undefined) delete process.env.FIRSTKEY_NO_DEVTOOLS;
    else process.env.FIRSTKEY_NO_DEVTOOLS = previous;
  });

  it('opens the window with every checklist preference, our partition and our preload', () => {
    const session = { partition: 'firstkey' } as unknown as Session;
    createEnrolmentWindow(AppConfig.parse({}), session, '/app/dist/electron/preload/index.cjs');
    const prefs = electron.windows[0]?.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject(SECURE_WEB_PREFERENCES);
    expect(prefs.session).toBe(session);
    expect(prefs.preload).toBe('/app/dist/electron/preload/index.cjs');
    expect(electron.windows[0]?.kiosk).toBe(false);
  });

  it('goes full screen kiosk when configured, and can turn dev tools off', () => {
    process.env.FIRSTKEY_NO_DEVTOOLS = '1';
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in: only its identity is passed through
    createEnrolmentWindow(AppConfig.parse({ kiosk: true }), {} as Session, '/p.cjs');
    expect(electron.windows[0]?.kiosk).toBe(true);
    expect((electron.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(false);
  });
});

// ---------------------------------------------------------------- navigation

interface FakeContents {
  listeners: Map<string, Listener>;
  openHandler: ((details: { url: string }) => { action: string }) | null;
}

function createdContents(): FakeContents {
  const fake: FakeContents = { listeners: new Map(), openHandler: null };
  const contents = {
    on(event: string, listener: Listener) {
      fake.listeners.set(event, listener);
      return contents;
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      fake.openHandler = handler;
    },
  };
  for (const listener of electron.appListeners.get('web-contents-created') ?? []) listener({}, contents);
  return fake;
}

function prevented(fake: FakeContents, event: string, url?: string): boolean {
  const listener = fake.listeners.get(event);
  if (!listener) throw new Error(`no ${event} listener`);
  let stopped = false;
  listener({ preventDefault: () => (stopped = true) }, url);
  return stopped;
}

describe('lockDownWebContents', () => {
  beforeEach(() => {
    lockDownWebContents(ORIGIN, { production: false });
  });

  it('locks every new web contents, not only the first window', () => {
    expect(electron.appListeners.get('web-contents-created')).toHaveLength(1);
    const first = createdContents();
    const second = createdContents();
    expect(prevented(first, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented(second, 'will-navigate', 'https://evil.example/')).toBe(true);
  });

  it.each([
    'https://evil.example/',
    'http://enrol.firstkey.test/',
    'https://enrol.firstkey.test.evil.example/',
    'https://enrol.firstkey.test:8443/',
    'file:///etc/passwd',
    'data:text/html,<h1>log in again</h1>',
    'javascript:alert(1)',
    'about:blank',
  ])('refuses to navigate or redirect to %s', (url) => {
    const contents = createdContents();
    expect(prevented(contents, 'will-navigate', url)).toBe(true);
    expect(prevented(contents, 'will-redirect', url)).toBe(true);
  });

  it('lets the app move within its own origin', () => {
    const contents = createdContents();
    expect(prevented(contents, 'will-navigate', `${ORIGIN}/index.html?step=2`)).toBe(false);
    expect(prevented(contents, 'will-redirect', `${ORIGIN}/`)).toBe(false);
  });

  it('refuses every webview', () => {
    expect(prevented(createdContents(), 'will-attach-webview')).toBe(true);
  });

  it('never opens a window, and never hands a URL the page picked to the OS', () => {
    const contents = createdContents();
    const open = (url: string) => contents.openHandler?.({ url });
    for (const url of [
      'https://help.corp.example/passkeys',
      `${ORIGIN}/`,
      'http://help.corp.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://evil.example/share',
      'firstkey://enrol?code=ABCD-EFGH-JKMN',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    expect(electron.opened).toEqual([]);
  });
});

// ---------------------------------------------------------------- permissions

describe('lockDownSession', () => {
  it('denies every permission request, check and device but writing the clipboard', () => {
    const set: {
      request?: (...args: unknown[]) => void;
      check?: (...args: unknown[]) => boolean;
      device?: (...args: unknown[]) => boolean;
    } = {};
    const session = {
      setPermissionRequestHandler: (handler: (...args: unknown[]) => void) => (set.request = handler),
      setPermissionCheckHandler: (handler: (...args: unknown[]) => boolean) => (set.check = handler),
      setDevicePermissionHandler: (handler: (...args: unknown[]) => boolean) => (set.device = handler),
      on() {},
    };
    lockDownSession(session as unknown as Session, ORIGIN);
    const ours = { getURL: () => `${ORIGIN}/` };
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'hid',
      'usb',
      'serial',
      'openExternal',
      'fullscreen',
    ]) {
      const answers: boolean[] = [];
      set.request?.(ours, permission, (granted: boolean) => answers.push(granted), { requestingUrl: `${ORIGIN}/`, isMainFrame: true });
      expect(answers, permission).toEqual([false]);
      expect(set.check?.(ours, permission, ORIGIN, { isMainFrame: true }), permission).toBe(false);
    }
    expect(set.device?.({ deviceType: 'hid', origin: ORIGIN, device: {} })).toBe(false);
    // Copying recovery codes: write only; reading the clipboard stays denied (above).
    const answers: boolean[] = [];
    set.request?.(ours, 'clipboard-sanitized-write', (granted: boolean) => answers.push(granted), {
      requestingUrl: `${ORIGIN}/`,
      isMainFrame: true,
    });
    expect(answers).toEqual([true]);
    expect(set.check?.(ours, 'clipboard-sanitized-write', ORIGIN, { isMainFrame: true })).toBe(true);
  });
});

// ---------------------------------------------------------------- IPC registration

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

describe('registerIpc', () => {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in: registerIpc only compares it by identity
  const ourWindow = {} as WebContents;
  const topFrame: FakeFrame = { url: `${ORIGIN}/`, parent: null };

  function setUp() {
    // The real controller and gate; its API client points nowhere, which takeLaunchCode never needs.
    const { controller } = newDevice('http://127.0.0.1:9');
    registerIpc(createDispatcher(controller.handlers, ORIGIN), ourWindow);
    const invoke = (name: IpcName, sender: unknown, senderFrame: FakeFrame | null, payload?: unknown) => {
      const handler = electron.ipcHandlers.get(IPC_CHANNELS[name]);
      if (!handler) throw new Error(`no handler for ${name}`);
      const event = { sender, senderFrame } as unknown as IpcMainInvokeEvent;
      return handler(event, payload) as Promise<unknown>;
    };
    return { controller, invoke };
  }

  it('handles exactly the contract channels', () => {
    setUp();
    expect([...electron.ipcHandlers.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());
  });

  it("answers the enrolment window's top frame", async () => {
    const { controller, invoke } = setUp();
    controller.offerLaunchCode('ABCD-EFGH-JKMN');
    expect(await invoke('takeLaunchCode', ourWindow, topFrame)).toEqual({ ok: true, value: 'ABCD-EFGH-JKMN' });
  });

  it.each([
    ['another web contents showing our origin', {}, { url: `${ORIGIN}/`, parent: null }],
    ['a subframe of our window', ourWindow, { url: `${ORIGIN}/`, parent: { url: `${ORIGIN}/`, parent: null } }],
    ['a foreign subframe of our window', ourWindow, { url: 'https://evil.example/', parent: { url: `${ORIGIN}/`, parent: null } }],
    ['our window after it navigated away', ourWindow, { url: 'https://evil.example/', parent: null }],
    ['a frame that is already gone', ourWindow, null],
  ])('refuses %s, and the launch code stays put', async (_label, sender, frame) => {
    const { controller, invoke } = setUp();
    controller.offerLaunchCode('ABCD-EFGH-JKMN');
    expect(await invoke('takeLaunchCode', sender, frame)).toEqual({
      ok: false,
      error: { code: 'forbidden_sender', message: expect.any(String) as string },
    });
    expect(await invoke('takeLaunchCode', ourWindow, topFrame)).toEqual({ ok: true, value: 'ABCD-EFGH-JKMN' });
  });

  it('validates what arrives over the wire', async () => {
    const { invoke } = setUp();
    expect(await invoke('registrationOptions', ourWindow, topFrame, { factor: 'password' })).toMatchObject({
      ok: false,
      error: { code: 'bad_payload' },
    });
  });
});
