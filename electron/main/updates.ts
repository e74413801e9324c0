import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Signed updates from a self-hosted (generic) feed with electron-updater.
 *
 * Off unless managed configuration turns them on with an https feed. Only
 * updates whose signature the updater checks are ever applied:
 * - Windows: electron-updater runs a downloaded installer only if its
 *   Authenticode signature is valid and names a publisher listed in the
 *   build's app-update.yml. With no publisher name there it checks nothing
 *   (NsisUpdater.verifySignature returns "fine"), so such a build refuses to
 *   update at all.
 * - macOS: Squirrel.Mac installs an update only if its code signature meets
 *   the running app's designated requirement (same team, same bundle id).
 * - Linux: electron-updater's DebUpdater installs a .deb with dpkg and no
 *   signature check, so updates stay off; the deb is updated through the
 *   organisation's signed package repository instead.
 *
 * Plain Node: the updater (electron-updater's autoUpdater, which needs
 * Electron) is handed in.
 */

export interface UpdateSettings {
  readonly enabled: boolean;
  /** Absent or null: no feed configured (the managed setting is optional). */
  readonly feedUrl?: string | null | undefined;
}

/** The part of electron-updater's AppUpdater this module uses (index.ts passes `autoUpdater`). */
export interface Updater {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  disableWebInstaller: boolean;
  forceDevUpdateConfig: boolean;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<unknown>;
  on(event: 'error', listener: (error: Error, message?: string) => void): unknown;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
}

/** Matches electron/main/log's Logger; field names must be on its allow-list. */
export interface UpdateLog {
  info(event: string, fields?: Record<string, string | number | boolean | null>): void;
  warn(event: string, fields?: Record<string, string | number | boolean | null>): void;
}

export interface UpdatesDeps {
  /**
   * electron-updater's autoUpdater, loaded only once updates are really on: it builds the
   * platform's updater on first access, which a development run or a test never needs.
   */
  readonly loadUpdater: () => Promise<Updater>;
  readonly log: UpdateLog;
  readonly isPackaged: boolean;
  readonly platform: NodeJS.Platform;
  /** process.resourcesPath: where electron-builder puts app-update.yml. */
  readonly resourcesPath: string;
  readonly checkEveryMs?: number;
  readonly timers?: {
    setInterval(run: () => void, ms: number): { unref?(): unknown };
    clearInterval(handle: unknown): void;
  };
}

export type UpdatesOffReason =
  | 'disabled'
  | 'no_feed'
  | 'feed_invalid'
  | 'feed_not_https'
  | 'feed_has_credentials'
  | 'not_packaged'
  | 'platform_unverifiable'
  | 'no_publisher_name';

export type UpdatesState =
  { readonly running: false; readonly reason: UpdatesOffReason } | { readonly running: true; readonly feedHost: string; stop(): void };

const FOUR_HOURS_MS = 4 * 60 * 60 * 1000;

function feedProblem(feedUrl: string | null | undefined): { reason: UpdatesOffReason } | { url: URL } {
  if (feedUrl === null || feedUrl === undefined || feedUrl.trim() === '') return { reason: 'no_feed' };
  let url: URL;
  try {
    url = new URL(feedUrl);
  } catch {
    return { reason: 'feed_invalid' };
  }
  if (url.protocol !== 'https:') return { reason: 'feed_not_https' };
  if (url.username !== '' || url.password !== '') return { reason: 'feed_has_credentials' };
  return { url };
}

/** The publisher names the Windows build will demand of an update, from electron-builder's app-update.yml. */
export async function windowsPublisherNames(resourcesPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(resourcesPath, 'app-update.yml'), 'utf8');
  } catch {
    return [];
  }
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    return [];
  }
  if (typeof config !== 'object' || config === null || !('publisherName' in config)) return [];
  const names = config.publisherName;
  const list = Array.isArray(names) ? (names as unknown[]) : [names];
  return list.filter((name): name is string => typeof name === 'string' && name.trim() !== '');
}

async function platformProblem(deps: UpdatesDeps): Promise<UpdatesOffReason | null> {
  if (deps.platform === 'darwin') return null;
  if (deps.platform === 'win32') return (await windowsPublisherNames(deps.resourcesPath)).length > 0 ? null : 'no_publisher_name';
  return 'platform_unverifiable';
}

export async function startUpdates(settings: UpdateSettings, deps: UpdatesDeps): Promise<UpdatesState> {
  const off = (reason: UpdatesOffReason): UpdatesState => {
    deps.log.info('updates.off', { reason });
    return { running: false, reason };
  };
  if (!settings.enabled) return off('disabled');
  const feed = feedProblem(settings.feedUrl);
  if ('reason' in feed) return off(feed.reason);
  // electron-updater only works from an installed build; a development run has nothing signed to compare with.
  if (!deps.isPackaged) return off('not_packaged');
  const problem = await platformProblem(deps);
  if (problem !== null) return off(problem);

  const { log } = deps;
  const updater = await deps.loadUpdater();
  updater.forceDevUpdateConfig = false;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  updater.disableWebInstaller = true;
  updater.autoDownload = true;
  // Installed when the person quits, never in the middle of an enrolment.
  updater.autoInstallOnAppQuit = true;
  updater.on('error', (error) => {
    // A failed signature check arrives here too: the download is discarded and nothing is installed.
    log.warn('updates.error', { errorName: error.name, message: error.message });
  });
  updater.on('update-downloaded', (info) => {
    log.info('updates.downloaded', { updateVersion: info.version });
  });
  updater.setFeedURL({ provider: 'generic', url: feed.url.href });

  const check = (): void => {
    updater.checkForUpdates().catch((error: unknown) => {
      log.warn('updates.check_failed', { errorName: error instanceof Error ? error.name : 'unknown' });
    });
  };
  const timers = deps.timers ?? {
    setInterval: (run: () => void, ms: number) => setInterval(run, ms),
    clearInterval: (h: unknown) => {
      clearInterval(h as NodeJS.Timeout);
    },
  };
  const handle = timers.setInterval(check, deps.checkEveryMs ?? FOUR_HOURS_MS);
  handle.unref?.();
  check();
  log.info('updates.on', { host: feed.url.host });
  return {
    running: true,
    feedHost: feed.url.host,
    stop: () => {
      timers.clearInterval(handle);
    },
  };
}
