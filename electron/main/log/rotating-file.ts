import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface RotatingFileOptions {
  dir: string;
  /** The current file is `${name}.log`; older ones `${name}.1.log` (newest) to `${name}.${keep}.log`. */
  name?: string;
  /** A file is rotated before a line would take it past this size. */
  maxBytes?: number;
  /** How many rotated files are kept besides the current one. */
  keep?: number;
}

export interface LineSink {
  write(line: string): void;
  close(): void;
}

export const LOG_FILE_NAME = 'firstkey';

/** The log files of a directory, oldest first (the order their lines were written in). */
export function logFilesOldestFirst(dir: string, name = LOG_FILE_NAME, keep = DEFAULT_KEEP): string[] {
  const rotated = Array.from({ length: keep }, (_unused, index) => join(dir, `${name}.${keep - index}.log`));
  return [...rotated, join(dir, `${name}.log`)];
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_KEEP = 4;

/**
 * Appends lines to a size-capped set of files. Writes are synchronous on
 * purpose: the lines that matter most are written just before the app exits
 * (a start-up error, then app.exit(1)), and an asynchronous writer would lose
 * them. At one line per API call the cost is negligible.
 *
 * A log that cannot be written must never break the app: failures are
 * swallowed after one note on stderr.
 */
export function openRotatingFile(options: RotatingFileOptions): LineSink {
  const name = options.name ?? LOG_FILE_NAME;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_KEEP;
  const current = join(options.dir, `${name}.log`);
  const rotated = (n: number) => join(options.dir, `${name}.${n}.log`);
  let fd: number | null = null;
  let size = 0;
  let complained = false;

  function open(): number {
    // Owner-only: logs hold no secrets, but they do say who used this computer when.
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const opened = openSync(current, 'a', 0o600);
    size = fstatSync(opened).size;
    return opened;
  }

  function rotate(): void {
    if (fd !== null) closeSync(fd);
    fd = null;
    rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n -= 1) renameIfThere(rotated(n), rotated(n + 1));
    if (keep > 0) renameIfThere(current, rotated(1));
    else rmSync(current, { force: true });
  }

  return {
    write(line) {
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      try {
        fd ??= open();
        if (size > 0 && size + bytes.length > maxBytes) {
          rotate();
          fd = open();
        }
        writeSync(fd, bytes);
        size += bytes.length;
      } catch (error) {
        if (!complained) {
          complained = true;
          process.stderr.write(`FirstKey: cannot write the log in ${options.dir}: ${(error as Error).message}\n`);
        }
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
