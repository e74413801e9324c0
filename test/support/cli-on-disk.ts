import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { runAdmin } from '../../server/admin/cli.js';
import { Api } from './api-harness.js';

export interface CliRun {
  code: number;
  out: string;
}

export interface CliOnDisk {
  /** The running server, on the data directory the CLI opens too. */
  readonly api: Api;
  /** `npm run admin -- <argv>` at the server, as the account of `token` when one is given (FIRSTKEY_TOKEN). */
  admin: (argv: string[], token?: string) => Promise<CliRun>;
}

/**
 * For a describe block: each test gets a server on a data directory of its own, and the admin CLI
 * runs against that same directory, as IT runs it on the server. Removed after each test.
 */
export function cliOnDisk(prefix: string): CliOnDisk {
  let dir = '';
  let api: Api | null = null;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    api = await Api.start({ dataDir: dir });
  });
  afterEach(async () => {
    await api?.close();
    api = null;
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get api(): Api {
      if (!api) throw new Error('the server runs only inside a test');
      return api;
    },
    admin: async (argv, token) => {
      const lines: string[] = [];
      const env = { FIRSTKEY_DATA_DIR: dir, USER: 'tester', ...(token ? { FIRSTKEY_TOKEN: token } : {}) };
      const code = await runAdmin(argv, env, (line) => lines.push(line));
      return { code, out: lines.join('\n') };
    },
  };
}
