// Main process only; plain Node (no 'electron' import), so it is tested for real.
//
// "Export diagnostics": what a help desk needs to tell a broken install from a
// broken network or keychain, in one file the person can send. It must never
// carry what would let someone else enrol or sign in: codes, tokens, recovery
// codes, DPoP proofs, key material. Configuration is passed through a
// redactor, and log lines are scrubbed again here, with the logger's own
// scrubber, even though the logger already keeps secrets out: this file
// leaves the machine, and a line may predate a fix to the scrubber.
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import type { DiagnosticsExport } from '../../api/ipc.js';
import { SecretStoreError, describeSecretStoreError, type SecretStore, type SecretStoreErrorCode } from './device/secret-store.js';
import { scrubSecrets } from './log/redact.js';
import { serverEndpoint } from './network/server-url.js';

export interface DiagnosticsVersions {
  app: string;
  electron?: string | undefined;
  chrome?: string | undefined;
  node: string;
}

export interface DiagnosticsDeps {
  versions: DiagnosticsVersions;
  /** The app's effective configuration; secrets are removed here, whatever it holds. */
  config: Readonly<Record<string, unknown>>;
  /** Newest last; helper: readRecentLogLines(logDir, max) from electron/main/log/. */
  readRecentLogLines: () => Promise<string[]>;
  /** The keychain the device key lives in; only a read of a probe entry is made, nothing is written. */
  secretStore: SecretStore;
  serverUrl: string;
  /** The recorded public thumbprint of this computer's device key: lets the help desk find its device record. */
  deviceKeyThumbprint?: () => Promise<string | null>;
  /** The same fetch the API client uses, so proxy and trust settings match what the app sees. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => Date;
  os?: { platform: string; release: string; arch: string };
}

export type KeychainCheck = { reachable: true } | { reachable: false; reason: SecretStoreErrorCode | 'timeout'; message: string };

export type ServerCheck =
  | { reachable: true; url: string; status: number; ms: number }
  | { reachable: false; url: string; problem: 'timeout' | 'network' | 'bad_status'; status?: number; ms: number };

export interface DiagnosticsReport {
  generatedAt: string;
  versions: DiagnosticsVersions;
  os: { platform: string; release: string; arch: string };
  configuration: Record<string, unknown>;
  keychain: KeychainCheck;
  server: ServerCheck;
  deviceKey: { recordedThumbprint: string | null };
  recentLog: string[];
}

const MAX_LOG_LINES = 200;
const MAX_LINE = 500;
const PROBE_SERVICE = 'FirstKey';
const PROBE_ACCOUNT = 'diagnostics-probe';

const SECRET_NAME = /token|secret|password|passphrase|credential|private|apikey|api_key|cookie|authori[sz]ation|(^|[_-])pin$|code$/i;

/** A URL without credentials, query or fragment: hosts and paths help the help desk; the rest may be secret. */
function scrubUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return null;
  const extra = url.search || url.hash || url.username || url.password ? ' [parts removed]' : '';
  return `${url.protocol}//${url.host}${url.pathname}${extra}`;
}

function redactValue(name: string, value: unknown, depth: number): unknown {
  if (SECRET_NAME.test(name)) return value === undefined || value === null || value === '' ? value : '[removed]';
  if (typeof value === 'string') {
    if (value.includes('-----BEGIN ')) return '[PEM removed]';
    return scrubUrl(value) ?? scrubSecrets(value);
  }
  // Pinned CAs, as the configuration holds them: who they are, not their bytes.
  if (value instanceof X509Certificate) return `${value.subject.replaceAll('\n', ', ')} (SHA-256 ${value.fingerprint256})`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value;
  if (depth > 4) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => redactValue(name, item, depth + 1));
  if (typeof value === 'object') return redactConfig(value as Record<string, unknown>, depth + 1);
  return `[${typeof value}]`;
}

/** The configuration with every secret-looking setting removed and every URL cut to scheme, host and path. */
export function redactConfig(config: Readonly<Record<string, unknown>>, depth = 0): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([name, value]) => [name, redactValue(name, value, depth)]));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

async function checkKeychain(store: SecretStore, timeoutMs: number): Promise<KeychainCheck> {
  try {
    // A read only: the value (normally none) is dropped unread; a write could raise an unlock prompt the person did not ask for.
    const outcome = await withTimeout(
      store.get(PROBE_SERVICE, PROBE_ACCOUNT).then(() => 'ok' as const),
      timeoutMs,
    );
    if (outcome === 'timeout')
      return { reachable: false, reason: 'timeout', message: `the keychain did not answer within ${timeoutMs} ms` };
    return { reachable: true };
  } catch (error) {
    const reason = error instanceof SecretStoreError ? error.code : 'platform_error';
    return { reachable: false, reason, message: describeSecretStoreError(reason) };
  }
}

async function checkServer(serverUrl: string, doFetch: typeof fetch, timeoutMs: number): Promise<ServerCheck> {
  const url = serverEndpoint(serverUrl, '/healthz').href;
  const shown = scrubUrl(url) ?? '[unparseable]';
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await doFetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) return { reachable: false, url: shown, problem: 'bad_status', status: response.status, ms: elapsed() };
    return { reachable: true, url: shown, status: response.status, ms: elapsed() };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { reachable: false, url: shown, problem: timedOut ? 'timeout' : 'network', ms: elapsed() };
  }
}

async function recentLog(read: () => Promise<string[]>): Promise<string[]> {
  try {
    return (await read()).slice(-MAX_LOG_LINES).map((line) => scrubSecrets(line.slice(0, MAX_LINE)));
  } catch {
    return ['[the log could not be read]'];
  }
}

/** Gathers the report; never throws for a failing check, which is the point of the report. */
export async function collectDiagnostics(deps: DiagnosticsDeps): Promise<DiagnosticsReport> {
  const timeoutMs = deps.timeoutMs ?? 5_000;
  const [keychain, server, recordedThumbprint, log] = await Promise.all([
    checkKeychain(deps.secretStore, timeoutMs),
    checkServer(deps.serverUrl, deps.fetch ?? fetch, timeoutMs),
    (deps.deviceKeyThumbprint?.() ?? Promise.resolve(null)).catch(() => null),
    recentLog(deps.readRecentLogLines),
  ]);
  return {
    generatedAt: (deps.now?.() ?? new Date()).toISOString(),
    versions: { ...deps.versions },
    os: deps.os ?? { platform: platform(), release: release(), arch: arch() },
    configuration: redactConfig(deps.config),
    keychain,
    server,
    deviceKey: { recordedThumbprint },
    recentLog: log,
  };
}

function section(title: string, lines: string[]): string {
  return [`## ${title}`, ...lines, ''].join('\n');
}

/** The report as the person saves it: plain text a help desk can read, with the same data as JSON at the end for tools. */
export function formatDiagnostics(report: DiagnosticsReport): string {
  const { versions, os, keychain, server } = report;
  return [
    `# FirstKey diagnostics, ${report.generatedAt}`,
    'Contains no codes, tokens, recovery codes or keys.',
    '',
    section('Versions', [
      `FirstKey ${versions.app}`,
      `Electron ${versions.electron ?? '-'}`,
      `Chrome ${versions.chrome ?? '-'}`,
      `Node ${versions.node}`,
    ]),
    section('Operating system', [`${os.platform} ${os.release} (${os.arch})`]),
    section(
      'Configuration (secrets removed)',
      Object.entries(report.configuration).map(([name, value]) => `${name}: ${value === undefined ? 'unset' : JSON.stringify(value)}`),
    ),
    section('Keychain', [keychain.reachable ? 'reachable' : `NOT reachable (${keychain.reason}): ${keychain.message}`]),
    section('Server', [
      server.reachable
        ? `reachable: GET ${server.url} answered ${server.status} in ${server.ms} ms`
        : `NOT reachable: GET ${server.url} ${server.problem}${server.status === undefined ? '' : ` ${server.status}`} after ${server.ms} ms`,
    ]),
    section('Device key', [`recorded thumbprint: ${report.deviceKey.recordedThumbprint ?? 'none'}`]),
    section(`Recent log lines (${report.recentLog.length})`, report.recentLog),
    section('JSON', [JSON.stringify(report, null, 2)]),
  ].join('\n');
}

/** A file name the save dialog can suggest; the time makes two exports sort and never collide. */
export function diagnosticsFileName(at: Date): string {
  return `firstkey-diagnostics-${at.toISOString().replace(/[:.]/g, '-')}.txt`;
}

export interface DiagnosticsExportDeps {
  collect: () => Promise<DiagnosticsReport>;
  /** Asks the person where to keep the file and writes it; false when they cancel. */
  save: (suggestedName: string, contents: string) => Promise<boolean>;
  now?: () => Date;
}

/** The exportDiagnostics IPC handler: collect, format, let the person save. */
export function createDiagnosticsExport(deps: DiagnosticsExportDeps): () => Promise<DiagnosticsExport> {
  return async () => {
    const report = await deps.collect();
    const saved = await deps.save(diagnosticsFileName(deps.now?.() ?? new Date()), formatDiagnostics(report));
    return { saved };
  };
}

/**
 * A save step over any "where should this go?" prompt: in the app, Electron's
 * save dialog (returning null when cancelled); in tests, a temp directory.
 */
export function saveToChosenFile(choosePath: (suggestedName: string) => Promise<string | null>) {
  return async (suggestedName: string, contents: string): Promise<boolean> => {
    const path = await choosePath(suggestedName);
    if (path === null) return false;
    // The person chose the path (and confirmed any overwrite in the dialog); only they should read it.
    await writeFile(path, contents, { encoding: 'utf8', mode: 0o600 });
    return true;
  };
}
