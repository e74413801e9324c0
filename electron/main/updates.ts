import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, win32 } from 'node:path';
import { parse } from 'yaml';

/**
 * Signed updates from a self-hosted (generic) feed with electron-updater.
 *
 * Off unless managed configuration turns them on with an https feed. Only
 * updates whose signature the updater checks are ever applied:
 * - Windows: a downloaded installer runs only if its Authenticode signature
 *   is Valid and its signer's subject is exactly one of the distinguished
 *   names in the build's app-update.yml. electron-updater's own check is
 *   replaced: it lets an update through when PowerShell cannot run ("Ignoring
 *   signature validation") and accepts a common name alone. With no publisher
 *   name in app-update.yml it checks nothing at all (NsisUpdater.verifySignature
 *   returns "fine"), so such a build, or one naming publishers by common name
 *   only, refuses to update at all.
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

/** electron-updater's contract: null when the file is signed by one of the publishers, else why not. */
export type VerifyUpdateCodeSignature = (publisherNames: string[], path: string) => Promise<string | null>;

/** The part of electron-updater's AppUpdater this module uses (index.ts passes `autoUpdater`). */
export interface Updater {
  /** NsisUpdater's (Windows only): set to a check that fails closed. */
  verifyUpdateCodeSignature?: VerifyUpdateCodeSignature;
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
  /** Runs PowerShell for the Windows signature check; a stand-in in tests. */
  readonly runProcess?: ProcessRunner;
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
  | 'no_publisher_name'
  | 'publisher_name_not_dn';

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
  if (deps.platform !== 'win32') return 'platform_unverifiable';
  const names = await windowsPublisherNames(deps.resourcesPath);
  if (names.length === 0) return 'no_publisher_name';
  // A common name alone is what anyone can buy a certificate for; the check below accepts whole DNs only.
  return names.some((name) => parseDn(name) !== null) ? null : 'publisher_name_not_dn';
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
  if (deps.platform === 'win32') {
    updater.verifyUpdateCodeSignature = authenticodeVerifier(deps.runProcess ?? runProcess);
  }
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

// ------------------------------------------------------------ Windows: Authenticode

/** What a process run gives back; a run that cannot start at all rejects. */
export interface ProcessResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
export type ProcessRunner = (
  file: string,
  args: readonly string[],
  options: { readonly env: Readonly<Record<string, string | undefined>>; readonly timeoutMs: number },
) => Promise<ProcessResult>;

/**
 * Windows PowerShell by a fixed path: never the environment's SystemRoot or PATH,
 * which whoever starts the app chooses. (Windows installed elsewhere than C: has
 * no updates: the check then fails, closed.)
 */
export const POWERSHELL_EXE = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const VERIFY_TIMEOUT_MS = 60_000;
/** The file travels in the environment, so no path, however named, becomes part of the script. */
const FILE_VARIABLE = 'FIRSTKEY_UPDATE_FILE';

/**
 * The cmdlet from PowerShell's own module by full path under $PSHOME (where this
 * powershell.exe lives): a module of the same name earlier on PSModulePath, such as
 * one in the person's Documents, could answer "Valid" for anything.
 */
const AUTHENTICODE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  "Import-Module -Name (Join-Path $PSHOME 'Modules\\Microsoft.PowerShell.Security\\Microsoft.PowerShell.Security.psd1')",
  `$signature = Microsoft.PowerShell.Security\\Get-AuthenticodeSignature -LiteralPath $env:${FILE_VARIABLE}`,
  '[pscustomobject]@{ Status = [string]$signature.Status; Subject = [string]$signature.SignerCertificate.Subject; Path = [string]$signature.Path } | ConvertTo-Json -Compress',
].join('; ');

function runProcess(...[file, args, options]: Parameters<ProcessRunner>): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { env: { ...options.env }, timeout: options.timeoutMs, windowsHide: true, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${file} did not run: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ exitCode: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A distinguished name as an ordered list of TYPE=value pairs, or null when it is not one (a bare common name). */
export function parseDn(text: string): string[] | null {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (char === '\\' && i + 1 < text.length) {
      current += char + text.charAt(i + 1);
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if ((char === ',' || char === ';' || char === '+') && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  if (quoted) return null;
  const pairs: string[] = [];
  for (const part of parts) {
    const match = /^\s*([A-Za-z][A-Za-z0-9.-]*)\s*=\s*(.*?)\s*$/.exec(part);
    if (!match?.[1] || match[2] === undefined || match[2] === '') return null;
    pairs.push(`${match[1].toUpperCase()}=${match[2]}`);
  }
  return pairs.length > 0 ? pairs : null;
}

function sameDn(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((pair, index) => pair === b[index]);
}

interface AuthenticodeAnswer {
  Status: string;
  Subject: string;
  Path: string;
}

function isAnswer(value: unknown): value is AuthenticodeAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.Status === 'string' && typeof record.Subject === 'string' && typeof record.Path === 'string';
}

/**
 * electron-updater's verifyUpdateCodeSignature, failing closed: anything but a
 * Valid signature whose signer's subject is exactly one of the configured
 * distinguished names (every attribute, in order; a common name alone never
 * matches) is a refusal, and so is any failure to ask PowerShell.
 */
export function authenticodeVerifier(run: ProcessRunner): VerifyUpdateCodeSignature {
  return async (publisherNames, path) => {
    const expected = publisherNames.map(parseDn).filter((dn): dn is string[] => dn !== null);
    if (expected.length === 0) return `no publisher is named by a full distinguished name (${publisherNames.join(' | ')})`;
    let result: ProcessResult;
    try {
      result = await run(
        POWERSHELL_EXE,
        ['-NoProfile', '-NonInteractive', '-NoLogo', '-InputFormat', 'None', '-Command', AUTHENTICODE_SCRIPT],
        {
          env: { ...process.env, PSModulePath: undefined, [FILE_VARIABLE]: path },
          timeoutMs: VERIFY_TIMEOUT_MS,
        },
      );
    } catch (error) {
      return `the signature could not be checked: PowerShell did not run (${error instanceof Error ? error.message : String(error)})`;
    }
    if (result.exitCode !== 0 || result.stderr.trim() !== '') {
      return `the signature could not be checked: PowerShell exited with ${String(result.exitCode)}${result.stderr.trim() === '' ? '' : `: ${result.stderr.trim()}`}`;
    }
    let answer: unknown;
    try {
      answer = JSON.parse(result.stdout);
    } catch {
      return 'the signature could not be checked: PowerShell gave no readable answer';
    }
    if (!isAnswer(answer)) return 'the signature could not be checked: PowerShell gave no readable answer';
    if (win32.normalize(answer.Path).toLowerCase() !== win32.normalize(path).toLowerCase()) {
      return `the signature checked was of another file (${answer.Path})`;
    }
    if (answer.Status !== 'Valid') return `the signature is not valid: ${answer.Status}`;
    const subject = parseDn(answer.Subject);
    if (subject === null || !expected.some((dn) => sameDn(dn, subject))) {
      return `signed by "${answer.Subject}", which is not one of the publishers: ${publisherNames.join(' | ')}`;
    }
    return null;
  };
}
