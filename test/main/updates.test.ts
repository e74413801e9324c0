import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppUpdater } from 'electron-updater';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { startUpdates, windowsPublisherNames, type Updater, type UpdatesDeps } from '../../electron/main/updates.js';

/**
 * Issue 10, "Signed updates". electron-updater needs Electron's runtime, so the
 * updater is a recorder with electron-updater's surface; app-update.yml is a
 * real file in electron-builder's format.
 */

type Listener = (...args: never[]) => void;

function recordingUpdater() {
  const listeners = new Map<string, Listener[]>();
  const originalVerify = async () => null;
  const record = {
    feeds: [] as unknown[],
    checks: 0,
    installs: 0,
    updater: {
      autoDownload: false,
      autoInstallOnAppQuit: false,
      allowDowngrade: true,
      allowPrerelease: true,
      disableWebInstaller: false,
      forceDevUpdateConfig: true,
      verifyUpdateCodeSignature: originalVerify,
      setFeedURL(options: unknown) {
        record.feeds.push(options);
      },
      async checkForUpdates() {
        record.checks += 1;
        return null;
      },
      quitAndInstall() {
        record.installs += 1;
      },
      on(event: string, listener: Listener) {
        listeners.set(event, [...(listeners.get(event) ?? []), listener]);
        return this;
      },
    },
    emit(event: string, ...args: unknown[]) {
      for (const listener of listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
    },
    originalVerify,
  };
  return record;
}

function recordingLog() {
  const lines: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    log: {
      info: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'info', event, ...(fields && { fields }) }),
      warn: (event: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', event, ...(fields && { fields }) }),
    },
  };
}

const dirs: string[] = [];
function resources(appUpdateYml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-resources-'));
  dirs.push(dir);
  if (appUpdateYml !== undefined) writeFileSync(join(dir, 'app-update.yml'), appUpdateYml);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// What electron-builder writes for a Windows build signed with a publisher name (PublishManager, serializeToYaml).
const SIGNED_WINDOWS_BUILD =
  'provider: generic\nurl: https://updates.corp.example/firstkey/\npublisherName:\n  - Example Corp Ltd\nupdaterCacheDirName: firstkey-updater\n';
const UNSIGNED_WINDOWS_BUILD = 'provider: generic\nurl: https://updates.corp.example/firstkey/\nupdaterCacheDirName: firstkey-updater\n';

const timers = { setInterval: () => ({}), clearInterval: () => undefined };

/** How often electron-updater was loaded: never while updates are off (a development run never loads it). */
let loads = 0;

function deps(overrides: Partial<UpdatesDeps> & { updater: unknown; log: UpdatesDeps['log'] }): UpdatesDeps {
  return {
    isPackaged: true,
    platform: 'win32',
    resourcesPath: resources(SIGNED_WINDOWS_BUILD),
    timers,
    ...overrides,
    loadUpdater: () => {
      loads++;
      return Promise.resolve(overrides.updater as Updater);
    },
  };
}

const ON = { enabled: true, feedUrl: 'https://updates.corp.example/firstkey/' };

describe('Signed updates', () => {
  it("index.ts can hand electron-updater's autoUpdater straight in", () => {
    expectTypeOf<AppUpdater>().toExtend<Updater>();
  });

  it('stay off unless managed configuration turns them on, and never touch the updater then', async () => {
    const rec = recordingUpdater();
    const { log, lines } = recordingLog();
    loads = 0;
    const state = await startUpdates({ enabled: false, feedUrl: ON.feedUrl }, deps({ updater: rec.updater, log }));
    expect(state).toEqual({ running: false, reason: 'disabled' });
    expect(loads).toBe(0);
    expect(rec.feeds).toEqual([]);
    expect(rec.checks).toBe(0);
    expect(lines).toEqual([{ level: 'info', event: 'updates.off', fields: { reason: 'disabled' } }]);
  });

  it.each([
    [null, 'no_feed'],
    ['', 'no_feed'],
    ['not a url', 'feed_invalid'],
    ['http://updates.corp.example/firstkey/', 'feed_not_https'],
    ['file:///srv/updates/', 'feed_not_https'],
    ['https://user:secret@updates.corp.example/firstkey/', 'feed_has_credentials'],
  ])('refuse the feed %s (%s): an update anyone on the path could rewrite is code from anyone', async (feedUrl, reason) => {
    const rec = recordingUpdater();
    const state = await startUpdates({ enabled: true, feedUrl }, deps({ updater: rec.updater, log: recordingLog().log }));
    expect(state).toEqual({ running: false, reason });
    expect(rec.feeds).toEqual([]);
    expect(rec.checks).toBe(0);
  });

  it('use the generic provider with the https feed, check now and on a timer, and install only on quit', async () => {
    const rec = recordingUpdater();
    const scheduled: number[] = [];
    const state = await startUpdates(
      ON,
      deps({
        updater: rec.updater,
        log: recordingLog().log,
        checkEveryMs: 1234,
        timers: { setInterval: (_run, ms) => (scheduled.push(ms), {}), clearInterval: () => undefined },
      }),
    );
    expect(state).toMatchObject({ running: true, feedHost: 'updates.corp.example' });
    expect(rec.feeds).toEqual([{ provider: 'generic', url: 'https://updates.corp.example/firstkey/' }]);
    expect(rec.checks).toBe(1);
    expect(scheduled).toEqual([1234]);
    expect(rec.updater).toMatchObject({
      autoDownload: true,
      autoInstallOnAppQuit: true,
      allowDowngrade: false,
      allowPrerelease: false,
      disableWebInstaller: true,
      forceDevUpdateConfig: false,
    });
    expect(rec.installs).toBe(0);
  });

  it("leave electron-updater's signature check in place (never replaced or disabled)", async () => {
    const rec = recordingUpdater();
    await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log }));
    expect(rec.updater.verifyUpdateCodeSignature).toBe(rec.originalVerify);
  });

  it('refuse to update a Windows build whose app-update.yml names no publisher (electron-updater would then check nothing)', async () => {
    for (const resourcesPath of [resources(UNSIGNED_WINDOWS_BUILD), resources(), resources('publisherName: [\n')]) {
      const rec = recordingUpdater();
      const state = await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log, resourcesPath }));
      expect(state).toEqual({ running: false, reason: 'no_publisher_name' });
      expect(rec.feeds).toEqual([]);
    }
  });

  it('read the publisher names electron-builder wrote, as a list or a single name', async () => {
    expect(await windowsPublisherNames(resources(SIGNED_WINDOWS_BUILD))).toEqual(['Example Corp Ltd']);
    expect(await windowsPublisherNames(resources('publisherName: Example Corp Ltd\n'))).toEqual(['Example Corp Ltd']);
    expect(await windowsPublisherNames(resources('publisherName:\n  - ""\n  - 7\n'))).toEqual([]);
  });

  it('stay off on Linux: the deb updater installs with dpkg and checks no signature', async () => {
    const rec = recordingUpdater();
    const state = await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log, platform: 'linux' }));
    expect(state).toEqual({ running: false, reason: 'platform_unverifiable' });
    expect(rec.feeds).toEqual([]);
  });

  it('run on macOS, where Squirrel.Mac checks the code signature against the running app', async () => {
    const rec = recordingUpdater();
    const state = await startUpdates(
      ON,
      deps({ updater: rec.updater, log: recordingLog().log, platform: 'darwin', resourcesPath: resources() }),
    );
    expect(state).toMatchObject({ running: true });
  });

  it('stay off in a development run', async () => {
    const rec = recordingUpdater();
    const state = await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log, isPackaged: false }));
    expect(state).toEqual({ running: false, reason: 'not_packaged' });
  });

  it('log a refused (badly signed) download as an error and install nothing; a verified one by version only', async () => {
    const rec = recordingUpdater();
    const { log, lines } = recordingLog();
    await startUpdates(ON, deps({ updater: rec.updater, log }));
    const refusal = new Error('New version 9.9.9 is not signed by the application owner: publisherNames: Example Corp Ltd');
    rec.emit('error', refusal);
    rec.emit('update-downloaded', { version: '0.2.0', files: [], path: 'x', sha512: 'y', releaseDate: '' });
    expect(lines).toContainEqual({ level: 'warn', event: 'updates.error', fields: { errorName: 'Error', message: refusal.message } });
    expect(lines).toContainEqual({ level: 'info', event: 'updates.downloaded', fields: { updateVersion: '0.2.0' } });
    expect(rec.installs).toBe(0);
  });

  it('survive a failing check (offline feed) without an unhandled rejection', async () => {
    const rec = recordingUpdater();
    rec.updater.checkForUpdates = async () => {
      throw new TypeError('net::ERR_NAME_NOT_RESOLVED');
    };
    const { log, lines } = recordingLog();
    await startUpdates(ON, deps({ updater: rec.updater, log }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lines).toContainEqual({ level: 'warn', event: 'updates.check_failed', fields: { errorName: 'TypeError' } });
  });

  it('stop checking when stopped', async () => {
    let cleared: unknown = null;
    const handle = {};
    const state = await startUpdates(
      ON,
      deps({
        updater: recordingUpdater().updater,
        log: recordingLog().log,
        timers: { setInterval: () => handle, clearInterval: (h) => (cleared = h) },
      }),
    );
    if (!state.running) throw new Error('expected updates to run');
    state.stop();
    expect(cleared).toBe(handle);
  });
});
