import { execFile } from 'node:child_process';

/** What a command printed and how it ended; a non-zero exit still carries the output (manage-bde explains a refusal on stdout). */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; null when it could not run at all (not installed, timed out, output too large). */
export type RunCommand = (file: string, args: readonly string[], env?: NodeJS.ProcessEnv) => Promise<CommandResult | null>;

/** Each posture command gets this long; the readers run side by side, so a session waits for the slowest one at most. */
export const POSTURE_COMMAND_TIMEOUT_MS = 4000;

export function commandRunner(timeoutMs = POSTURE_COMMAND_TIMEOUT_MS): RunCommand {
  return (file, args, env) =>
    new Promise((resolve) => {
      try {
        execFile(
          file,
          [...args],
          { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1024 * 1024, windowsHide: true, ...(env ? { env } : {}) },
          (error, stdout, stderr) => {
            // Not found, killed by the timeout, or too much output: no answer, which the reader calls unknown.
            if (error && (typeof error.code !== 'number' || error.killed)) {
              resolve(null);
              return;
            }
            resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
          },
        );
      } catch {
        resolve(null);
      }
    });
}
