import { readFile } from 'node:fs/promises';
import { redactFields, safeEventName, type LogValue } from './redact.js';
import { logFilesOldestFirst, openRotatingFile, type LineSink, type RotatingFileOptions } from './rotating-file.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What main writes: an event name (a constant) and a few flat fields; see redact.ts for which fields survive. */
export interface Logger {
  debug(event: string, fields?: Record<string, LogValue>): void;
  info(event: string, fields?: Record<string, LogValue>): void;
  warn(event: string, fields?: Record<string, LogValue>): void;
  error(event: string, fields?: Record<string, LogValue>): void;
}

const RECORD_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'event']);

export interface LoggerOptions extends RotatingFileOptions {
  /** Lines below this level are not written. */
  level?: LogLevel;
  now?: () => Date;
}

export interface FileLogger extends Logger {
  /** The level is known only once configuration is read, and the logger must exist before that (to log a bad configuration). */
  setLevel(level: LogLevel): void;
  close(): void;
}

/**
 * JSON lines (one object per line: time, level, event, fields) under `dir`,
 * rotated by size. Why not electron-log: it imports `electron` (so this could
 * not be tested in plain Node), formats text rather than records, and its
 * redaction is a hook a caller can bypass; here every line passes redactFields.
 */
export function createLogger(options: LoggerOptions): FileLogger {
  const sink: LineSink = openRotatingFile(options);
  let threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? (() => new Date());
  const write =
    (level: LogLevel) =>
    (event: string, fields?: Record<string, LogValue>): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      // No field may pose as the record's own keys.
      const rest = Object.entries(redactFields(fields)).filter(([name]) => !RECORD_KEYS.has(name));
      sink.write(JSON.stringify({ time: now().toISOString(), level, event: safeEventName(event), ...Object.fromEntries(rest) }));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level) => {
      threshold = LOG_LEVELS.indexOf(level);
    },
    close: () => {
      sink.close();
    },
  };
}

/** A logger that writes nothing: for code paths that run before the log exists, and for tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The last `max` lines across the current and rotated files, oldest first,
 * for "Export diagnostics". Only whole JSON records: a line torn by a crash is skipped.
 */
export async function readRecentLogLines(dir: string, max: number, keep?: number): Promise<string[]> {
  const lines: string[] = [];
  for (const file of logFilesOldestFirst(dir, undefined, keep)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const line of text.split('\n')) if (isRecord(line)) lines.push(line);
  }
  return max > 0 ? lines.slice(-max) : [];
}

function isRecord(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}
