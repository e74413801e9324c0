import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTranslator } from '../../electron/main/i18n/index.js';
import MAIN_EN from '../../electron/main/i18n/locales/en.json' with { type: 'json' };
import MAIN_DE from '../../electron/main/i18n/locales/de.json' with { type: 'json' };
import { IPC_CHANNELS } from '../../api/ipc-channels.js';
import { describeStartupFailure } from '../../electron/main/startup-error.js';

/**
 * The composition root, started for real in plain Node with the 'electron'
 * module (not ours, and not runnable here) replaced by a recorder: what the
 * person sees, whether the process ends, and whether a window was made.
 */
const electron = vi.hoisted(() => {
  const state = {
    packaged: false,
    locale: 'en-GB',
    logs: '',
    dialogs: [] as { title: string; content: string }[],
    exits: [] as number[],
    windows: [] as Record<string, unknown>[],
    loaded: [] as string[],
    proxies: [] as { partition: string; config: unknown }[],
    switches: new Set<string>(),
    partitions: [] as string[],
    sessionEvents: [] as string[],
    windowEvents: [] as string[],
    menus: [] as unknown[],
    ipc: new Map<string, (event: unknown, payload?: unknown) => unknown>(),
    contents: [] as unknown[],
    /** The renderer's page and storage, in the order our code touched them. */
    steps: [] as string[],
    contentsListeners: new Map<string, (...args: unknown[]) => unknown>(),
  };
  const fakeSession = (partition: string) => {
    state.partitions.push(partition);
    return {
      partition,
      on(event: string) {
        state.sessionEvents.push(`${partition}:${event}`);
      },
      setProxy: async (config: unknown) => {
        state.proxies.push({ partition, config });
      },
      setCertificateVerifyProc() {},
      setPermissionRequestHandler() {},
      setPermissionCheckHandler() {},
      setDevicePermissionHandler() {},
      fetch: async () => new Response('{}'),
      clearData: async () => {
        state.steps.push(`clear ${partition}`);
      },
      protocol: { handle() {} },
    };
  };
  class BrowserWindow {
    readonly webContents = {
      on(event: string, listener: (...args: unknown[]) => unknown) {
        state.windowEvents.push(`contents:${event}`);
        state.contentsListeners.set(event, listener);
      },
      setVisualZoomLevelLimits: () => Promise.resolve(),
    };
    constructor(options: Record<string, unknown>) {
      state.windows.push(options);
      state.contents.push(this.webContents);
    }
    once(): void {}
    on(event: string): void {
      state.windowEvents.push(`window:${event}`);
    }
    removeMenu(): void {}
    isDestroyed() {
      return false;
    }
    loadURL(url: string) {
      state.loaded.push(url);
      state.steps.push(`load ${url}`);
      return Promise.resolve();
    }
  }
  return {
    state,
    module: {
      app: {
        get isPackaged() {
          return state.packaged;
        },
        commandLine: { hasSwitch: (name: string) => state.switches.has(name) },
        requestSingleInstanceLock: () => true,
        setAsDefaultProtocolClient: () => true,
        on() {},
        quit() {},
        whenReady: () => Promise.resolve(),
        getLocale: () => state.locale,
        getVersion: () => '1.0.0',
        getPath: (name: string) => (name === 'logs' ? state.logs : join(state.logs, name)),
        exit: (code: number) => {
          state.exits.push(code);
        },
      },
      dialog: {
        showErrorBox: (title: string, content: string) => {
          state.dialogs.push({ title, content });
        },
      },
      session: { fromPartition: fakeSession },
      Menu: {
        setApplicationMenu(menu: unknown) {
          state.menus.push(menu);
        },
      },
      clipboard: {
        clear() {
          state.steps.push('clear clipboard');
        },
      },
      ipcMain: {
        handle(channel: string, handler: (event: unknown, payload?: unknown) => unknown) {
          state.ipc.set(channel, handler);
        },
      },
      BrowserWindow,
    },
  };
});

vi.mock('electron', () => electron.module);

const saved = { env: { ...process.env }, argv: [...process.argv] };
let root = '';
let runs = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'firstkey-startup-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  runs += 1;
  Object.assign(electron.state, { packaged: false, locale: 'en-GB', logs: join(root, `run-${runs}`) });
  for (const list of [
    electron.state.dialogs,
    electron.state.exits,
    electron.state.windows,
    electron.state.loaded,
    electron.state.proxies,
    electron.state.partitions,
    electron.state.sessionEvents,
    electron.state.windowEvents,
    electron.state.menus,
    electron.state.contents,
    electron.state.steps,
  ])
    list.length = 0;
  electron.state.ipc.clear();
  electron.state.contentsListeners.clear();
  electron.state.switches.clear();
  delete process.env.FIRSTKEY_SERVER_URL;
  delete process.env.FIRSTKEY_ENROLMENT_ORIGIN;
  delete process.env.FIRSTKEY_KIOSK;
  process.argv = ['/opt/FirstKey/firstkey'];
});
afterEach(() => {
  process.env = { ...saved.env };
  process.argv = [...saved.argv];
});

/** Runs index.ts from the top, as Electron does, and waits for it to settle (an exit or a loaded window). */
async function launch(): Promise<void> {
  vi.resetModules();
  await import('../../electron/main/index.js');
  await vi.waitFor(() => {
    expect(electron.state.exits.length + electron.state.loaded.length).toBeGreaterThan(0);
  });
}

async function logged(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(electron.state.logs, 'firstkey.log'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('A bad setting leaves a zombie process', () => {
  it('shows a plain dialog naming FIRSTKEY_SERVER_URL and quits', async () => {
    process.env.FIRSTKEY_SERVER_URL = 'not a url';
    await launch();
    expect(electron.state.dialogs).toHaveLength(1);
    const [shown] = electron.state.dialogs;
    expect(shown?.title).toBe('FirstKey cannot start');
    expect(shown?.content).toContain('FIRSTKEY_SERVER_URL');
    expect(shown?.content).toContain('Ask your IT team');
    expect(shown?.content).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(electron.state.exits).toEqual([1]);
    expect(electron.state.windows).toEqual([]);
    expect(await logged()).toContainEqual(
      expect.objectContaining({ level: 'error', event: 'config.invalid', setting: 'FIRSTKEY_SERVER_URL' }),
    );
  });

  it('says it in the language of the computer', async () => {
    electron.state.locale = 'de-AT';
    process.env.FIRSTKEY_ENROLMENT_ORIGIN = 'http://enrol.firstkey.test';
    await launch();
    expect(electron.state.dialogs[0]?.title).toBe('FirstKey kann nicht starten');
    expect(electron.state.dialogs[0]?.content).toContain('FIRSTKEY_ENROLMENT_ORIGIN');
    expect(electron.state.exits).toEqual([1]);
    expect(electron.state.windows).toEqual([]);
  });

  it('names the setting and where it was read for the managed-configuration error, with the reason in plain words', () => {
    const refused = {
      setting: 'HKLM\\Software\\Policies\\FirstKey\\ServerUrl',
      source: 'Windows policy',
      reason: { code: 'not_https', detail: 'http is for loopback only' },
    };
    const failure = describeStartupFailure(refused, createTranslator('en-US'));
    expect(failure.message).toContain('HKLM\\Software\\Policies\\FirstKey\\ServerUrl (from Windows policy)');
    expect(failure.message).toContain('it must be a secure address that starts with https://');
    expect(failure.fields).toEqual({
      setting: refused.setting,
      source: refused.source,
      code: 'not_https',
      reason: 'http is for loopback only',
    });
  });

  it('an unexpected failure still ends in a plain dialog and an exit, never a zombie', () => {
    const failure = describeStartupFailure(new TypeError('boom'), createTranslator('en'));
    expect(failure.message).toBe(MAIN_EN.startup.unexpected);
    expect(failure.event).toBe('startup.failed');
  });

  it('starts normally with good settings: one window, API calls on their own session through the system proxy', async () => {
    await launch();
    expect(electron.state.dialogs).toEqual([]);
    expect(electron.state.exits).toEqual([]);
    expect(electron.state.windows).toHaveLength(1);
    expect(electron.state.loaded).toEqual(['https://enrol.firstkey.test/']);
    expect(electron.state.proxies).toEqual([{ partition: 'firstkey-api', config: { mode: 'system' } }]);
    expect(await logged()).toContainEqual(expect.objectContaining({ event: 'app.started', appVersion: '1.0.0' }));
  });
});

describe('DevTools and remote debugging in production', () => {
  it.each([['--remote-debugging-port=9222'], ['--inspect']])(
    'a packaged app started with %s refuses, names the switch and quits',
    async (arg) => {
      electron.state.packaged = true;
      process.argv = ['/opt/FirstKey/firstkey', arg];
      await launch();
      expect(electron.state.dialogs[0]?.content).toContain(arg.split('=')[0]);
      expect(electron.state.exits).toEqual([1]);
      expect(electron.state.windows).toEqual([]);
      expect(await logged()).toContainEqual(expect.objectContaining({ event: 'startup.debugging_switch_refused' }));
    },
  );

  it('also when Chromium got the switch another way', async () => {
    electron.state.packaged = true;
    electron.state.switches.add('remote-debugging-pipe');
    await launch();
    expect(electron.state.dialogs[0]?.content).toContain('--remote-debugging-pipe');
    expect(electron.state.windows).toEqual([]);
  });
});

describe('The main-process catalogue', () => {
  it('has every English message in German too, with the same placeholders', () => {
    const leaves = (node: unknown, prefix = ''): [string, string][] =>
      typeof node === 'string'
        ? [[prefix, node]]
        : Object.entries(node as Record<string, unknown>).flatMap(([key, value]) => leaves(value, prefix ? `${prefix}.${key}` : key));
    const german = new Map(leaves(MAIN_DE));
    for (const [key, english] of leaves(MAIN_EN)) {
      expect(german.has(key), key).toBe(true);
      const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(placeholders(german.get(key) ?? ''), key).toEqual(placeholders(english));
    }
  });
});

describe('Kiosk mode is set by managed configuration only', () => {
  it('a development run with FIRSTKEY_KIOSK=1 opens the locked-down kiosk window: full screen, no menu, keys and close guarded', async () => {
    process.env.FIRSTKEY_KIOSK = '1';
    await launch();
    expect(electron.state.dialogs).toEqual([]);
    expect(electron.state.windows).toHaveLength(1);
    expect(electron.state.windows[0]).toMatchObject({ kiosk: true, fullscreen: true, closable: false, minimizable: false });
    expect((electron.state.windows[0]?.webPreferences as Record<string, unknown>).devTools).toBe(false);
    expect(electron.state.menus).toEqual([null]);
    expect(electron.state.windowEvents).toEqual(
      expect.arrayContaining(['contents:before-input-event', 'contents:context-menu', 'window:close', 'window:system-context-menu']),
    );
    expect(electron.state.sessionEvents).toContain('firstkey:will-download');
    expect(await logged()).toContainEqual(expect.objectContaining({ event: 'app.started', kiosk: true }));
  });

  it('hands the controller the kiosk host only on a station', async () => {
    const askPinStatus = async () => {
      const handler = electron.state.ipc.get(IPC_CHANNELS.operatorPinStatus);
      const frame = { url: 'https://enrol.firstkey.test/', parent: null };
      return (await handler?.({ sender: electron.state.contents.at(-1), senderFrame: frame })) as { ok: boolean; error?: { code: string } };
    };
    await launch();
    expect(await askPinStatus()).toMatchObject({ ok: false, error: { code: 'not_a_kiosk' } });

    process.env.FIRSTKEY_KIOSK = '1';
    electron.state.loaded.length = 0;
    await launch();
    // The host answers (from the keychain, or with the keychain's own refusal where none runs): never not_a_kiosk.
    const answer = await askPinStatus();
    expect(answer.ok ? 'answered' : answer.error?.code).not.toMatch(/^(not_a_kiosk|forbidden_sender)$/);
  });

  it('treats a lost renderer on a station as a finished turn: page gone, partition and clipboard cleared, start screen back', async () => {
    process.env.FIRSTKEY_KIOSK = '1';
    await launch();
    electron.state.steps.length = 0;
    electron.state.contentsListeners.get('render-process-gone')?.({}, { reason: 'crashed', exitCode: 1 });
    await vi.waitFor(() => {
      expect(electron.state.steps).toEqual(['load about:blank', 'clear firstkey', 'clear clipboard', 'load https://enrol.firstkey.test/']);
    });
  });

  it('an ordinary run keeps its menu in development and its window closable', async () => {
    await launch();
    expect(electron.state.windows[0]?.kiosk).toBe(false);
    expect(electron.state.windows[0]).not.toHaveProperty('closable');
    expect(electron.state.menus).toEqual([]);
    expect(electron.state.windowEvents).not.toContain('contents:before-input-event');
  });

  it('a packaged app refuses FIRSTKEY_KIOSK from the environment: a person cannot make (or unmake) a station', async () => {
    electron.state.packaged = true;
    process.env.FIRSTKEY_KIOSK = '1';
    await launch();
    expect(electron.state.dialogs[0]?.content).toContain('FIRSTKEY_KIOSK');
    expect(electron.state.exits).toEqual([1]);
    expect(electron.state.windows).toEqual([]);
  });

  it('keeps every renderer partition in memory, so nothing of a person is written to disk', async () => {
    process.env.FIRSTKEY_KIOSK = '1';
    await launch();
    expect(electron.state.partitions).toContain('firstkey');
    for (const partition of electron.state.partitions) expect(partition).not.toMatch(/^persist:/);
  });
});
