import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppUpdater } from 'electron-updater';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  authenticodeVerifier,
  POWERSHELL_EXE,
  startUpdates,
  windowsPublisherNames,
  type ProcessRunner,
  type Updater,
  type UpdatesDeps,
  type VerifyUpdateCodeSignature,
} from '../../electron/main/updates.js';

/**
 * Issue 10, "Signed updates". electron-updater needs Electron's runtime, so the
 * updater is a recorder with electron-updater's surface; app-update.yml is a
 * real file in electron-builder's format.
 */

type Listener = (...args: never[]) => void;

function recordingUpdater() {
  const listeners = new Map<string, Listener[]>();
  const originalVerify: VerifyUpdateCodeSignature = async () => null;
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
      verifyUpdateCodeSignature: originalVerify as VerifyUpdateCodeSignature | undefined,
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
const PUBLISHER_DN = 'CN=Example Corp Ltd, O=Example Corp Ltd, L=Zürich, S=Zürich, C=CH';
const SIGNED_WINDOWS_BUILD = `provider: generic\nurl: https://updates.corp.example/firstkey/\npublisherName:\n  - "${PUBLISHER_DN}"\nupdaterCacheDirName: firstkey-updater\n`;
const CN_ONLY_WINDOWS_BUILD =
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

  it("replace electron-updater's Windows signature check (which fails open) with one that fails closed", async () => {
    const rec = recordingUpdater();
    const ran: string[] = [];
    const runProcess: ProcessRunner = async (file) => {
      ran.push(file);
      throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
    };
    await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log, runProcess }));
    expect(rec.updater.verifyUpdateCodeSignature).not.toBe(rec.originalVerify);
    const verdict = await rec.updater.verifyUpdateCodeSignature?.([PUBLISHER_DN], 'C:\\Temp\\update.exe');
    expect(verdict).toMatch(/could not be checked/);
    expect(ran).toEqual([POWERSHELL_EXE]);
  });

  it("leave macOS's check (Squirrel.Mac against the running app's signature) as it is", async () => {
    const rec = recordingUpdater();
    await startUpdates(ON, deps({ updater: rec.updater, log: recordingLog().log, platform: 'darwin', resourcesPath: resources() }));
    expect(rec.updater.verifyUpdateCodeSignature).toBe(rec.originalVerify);
  });

  it('refuse to update a Windows build whose app-update.yml names publishers by common name only', async () => {
    const rec = recordingUpdater();
    const state = await startUpdates(
      ON,
      deps({ updater: rec.updater, log: recordingLog().log, resourcesPath: resources(CN_ONLY_WINDOWS_BUILD) }),
    );
    expect(state).toEqual({ running: false, reason: 'publisher_name_not_dn' });
    expect(rec.feeds).toEqual([]);
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
    expect(await windowsPublisherNames(resources(SIGNED_WINDOWS_BUILD))).toEqual([PUBLISHER_DN]);
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

describe('Signed updates: the Windows signature check fails closed', () => {
  const FILE = 'C:\\Users\\ada\\AppData\\Local\\firstkey-updater\\pending\\temp-FirstKey-Setup-0.2.0.exe';

  /** PowerShell stood in: what Get-AuthenticodeSignature would have said, and what it was asked. */
  function powershell(answer: Partial<{ exitCode: number | null; stdout: string; stderr: string }> | Error) {
    const calls: { file: string; args: readonly string[]; env: Readonly<Record<string, string | undefined>> }[] = [];
    const run: ProcessRunner = async (file, args, options) => {
      calls.push({ file, args, env: options.env });
      if (answer instanceof Error) throw answer;
      return { exitCode: 0, stdout: '', stderr: '', ...answer };
    };
    return { run, calls };
  }
  const signed = (Status: string, Subject: string, Path = FILE) => ({ stdout: `${JSON.stringify({ Status, Subject, Path })}\r\n` });

  it('accepts a Valid signature whose subject is exactly a configured DN, asking the fixed powershell.exe about the file', async () => {
    const ps = powershell(signed('Valid', PUBLISHER_DN));
    expect(await authenticodeVerifier(ps.run)(['CN=Someone Else, O=Else, C=DE', PUBLISHER_DN], FILE)).toBeNull();
    const [call] = ps.calls;
    expect(call?.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    // The path is handed over in the environment, never inside the script, and a planted module path is dropped.
    expect(call?.args.join(' ')).not.toContain(FILE);
    expect(Object.values(call?.env ?? {})).toContain(FILE);
    expect(call?.env.PSModulePath).toBeUndefined();
  });

  it.each([
    [
      'PowerShell missing',
      new Error('spawn C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe ENOENT'),
      /could not be checked/,
    ],
    ['PowerShell failing', { exitCode: 1, stderr: 'Get-AuthenticodeSignature : The term is not recognized' }, /could not be checked/],
    ['PowerShell writing to stderr', { ...signed('Valid', PUBLISHER_DN), stderr: 'WARNING: something' }, /could not be checked/],
    ['an unreadable answer', { stdout: 'Status : Valid' }, /could not be checked/],
    ['no answer at all', { stdout: '' }, /could not be checked/],
    ['NotSigned', signed('NotSigned', ''), /not valid: NotSigned/],
    ['HashMismatch', signed('HashMismatch', PUBLISHER_DN), /not valid: HashMismatch/],
    ['UnknownError (an untrusted root)', signed('UnknownError', PUBLISHER_DN), /not valid: UnknownError/],
    ['a wrong subject', signed('Valid', 'CN=Mallory Ltd, O=Mallory Ltd, C=CH'), /not one of the publishers/],
    ['a subject sharing only the CN', signed('Valid', 'CN=Example Corp Ltd, O=Someone Else, C=CH'), /not one of the publishers/],
    ['a subject with an extra attribute', signed('Valid', `${PUBLISHER_DN}, OU=Anything`), /not one of the publishers/],
    ['another file checked', signed('Valid', PUBLISHER_DN, 'C:\\Windows\\notepad.exe'), /another file/],
  ])('refuses on %s', async (_case, answer, reason) => {
    expect(await authenticodeVerifier(powershell(answer).run)([PUBLISHER_DN], FILE)).toMatch(reason);
  });

  it('refuses a match on the common name alone, as electron-updater would have accepted', async () => {
    const ps = powershell(signed('Valid', 'CN=Example Corp Ltd, O=Mallory Ltd, C=CH'));
    expect(await authenticodeVerifier(ps.run)(['Example Corp Ltd'], FILE)).toMatch(/full distinguished name/);
    // Not even asked: a common name is no publisher.
    expect(ps.calls).toEqual([]);
  });
});
