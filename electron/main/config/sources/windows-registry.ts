import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { win32 } from 'node:path';
import { AppConfigError } from '../app-config-error.js';
import type { ConfigSource, ConfigSourceKind } from '../source.js';
import { SETTINGS, settingFor, type Setting } from '../settings.js';
import { parseRegQuery } from './reg-query.js';
import type { RegistryKeyExport, RegistryValue } from './reg-file.js';

/** A key and its subkeys' values, or null when the key does not exist. */
export type RegistryReader = (key: string) => Promise<RegistryKeyExport[] | null>;

/** What a command printed (bytes: the reader decides the encoding) and how it exited. */
export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}
/** Runs `file` with a command line passed as written (cmd.exe's quoting is its own, not the C runtime's). */
export type CommandRunner = (file: string, commandLine: string) => Promise<CommandResult>;

/**
 * System32 by a constant, never from SystemRoot, windir or PATH: whoever starts
 * the app chooses its environment, and a reg.exe of their own could answer with
 * any "policy" it likes. (Windows installed elsewhere than C: then fails to read
 * policy, visibly, rather than reading it from somewhere else.)
 */
export const SYSTEM32 = 'C:\\Windows\\System32';
export const CMD_EXE = win32.join(SYSTEM32, 'cmd.exe');
export const CHCP_COM = win32.join(SYSTEM32, 'chcp.com');
export const REG_EXE = win32.join(SYSTEM32, 'reg.exe');
/** The children get this environment and nothing of the app's: no PATH, PATHEXT, __COMPAT_LAYER of the caller's choosing. */
const SYSTEM_ENV = { SystemRoot: 'C:\\Windows', windir: 'C:\\Windows', SystemDrive: 'C:' };
/** cmd's exit code when chcp fails; reg.exe itself exits 0, 1 or 2. */
const CHCP_FAILED = 90;
/** Keys are the app's constants; anything else would need quoting cmd.exe does not have. */
const SAFE_KEY = /^HK(?:LM|CU)(?:\\[A-Za-z0-9 ]+)+$/;

/** cmd.exe, chcp.com and reg.exe from System32, with nothing of the caller's environment. */
export function systemCommandRunner(): CommandRunner {
  return (file, commandLine) =>
    new Promise((resolve, reject) => {
      execFile(
        file,
        [commandLine],
        {
          env: SYSTEM_ENV,
          windowsHide: true,
          windowsVerbatimArguments: true,
          encoding: 'buffer',
          timeout: 10_000,
          maxBuffer: 4 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new Error(`${file} could not run: ${error.message}`, { cause: error }));
            return;
          }
          resolve({ exitCode: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
}

/**
 * `reg query <key> /s`, read from reg.exe's own stdout (a pipe only this process
 * holds), never from a file: a file the app can write, the person (or anything
 * running as them) can write first or swap. reg.exe prints through the console's
 * code page, so cmd.exe sets it to UTF-8 (chcp 65001) first, and a help-desk
 * text in any language arrives whole. `/d` keeps the person's cmd AutoRun out.
 * reg.exe exits 1 when the key does not exist, the usual case (no policy set).
 */
export function regQueryReader(run: CommandRunner = systemCommandRunner(), exists: (path: string) => boolean = existsSync): RegistryReader {
  return async (key) => {
    if (!SAFE_KEY.test(key)) throw new Error(`not a registry key the app reads: ${key}`);
    for (const program of [CMD_EXE, CHCP_COM, REG_EXE]) {
      if (!exists(program)) throw new Error(`${program} is missing`);
    }
    // /s: cmd strips exactly the outer quotes. A failed chcp ends cmd with its own code before reg runs:
    // reg's 1 means "no such key", and must never be what a broken code page looks like.
    const result = await run(CMD_EXE, `/d /s /c "("${CHCP_COM}" 65001 >nul || exit ${CHCP_FAILED}) && "${REG_EXE}" query "${key}" /s"`);
    if (result.exitCode === CHCP_FAILED) throw new Error('the console could not be switched to UTF-8 (chcp 65001)');
    if (result.exitCode === 1) return null;
    if (result.exitCode !== 0) throw new Error(`reg query exited with ${result.exitCode}`);
    return parseRegQuery(result.stdout.toString('utf8'));
  };
}

export interface RegistrySourceOptions {
  /** HKLM\Software\Policies\FirstKey, HKCU\Software\Policies\FirstKey or HKCU\Software\FirstKey. */
  readonly key: string;
  readonly kind: ConfigSourceKind;
  readonly readKey: RegistryReader;
}

const ROOTS: Readonly<Record<string, string>> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER' };

/** One registry key's values, named as in the ADMX template (build/managed/firstkey.admx). */
export function registrySource({ key, kind, readKey }: RegistrySourceOptions): ConfigSource {
  const valuePath = (name: string) => `${key}\\${name}`;
  const byName = new Map(SETTINGS.map((setting) => [setting.managedName.toLowerCase(), setting]));
  return {
    name: key,
    kind,
    settingName: (settingKey) => valuePath(settingFor(settingKey).managedName),
    read: async () => {
      let exported: RegistryKeyExport[] | null;
      try {
        exported = await readKey(key);
      } catch (error) {
        throw new AppConfigError(key, key, { code: 'unreadable', detail: `cannot be read (${(error as Error).message})` });
      }
      if (exported === null) return {};
      const values: Record<string, unknown> = {};
      for (const section of exported) {
        if (!sameKey(section.path, key)) {
          // A subkey: the app reads none, so a value there is a policy that would do nothing.
          const [first] = section.values;
          if (first)
            throw unknownSetting(
              `${section.path}\\${first.name}`,
              key,
              'is under a subkey; every FirstKey setting is a value of the key itself',
            );
          continue;
        }
        for (const value of section.values) {
          const setting = byName.get(value.name.toLowerCase());
          if (!setting)
            throw unknownSetting(valuePath(value.name === '' ? '(Default)' : value.name), key, 'is not a setting the app knows');
          values[setting.key] = fromRegistry(setting, value, valuePath(value.name), key);
        }
      }
      return values;
    },
  };
}

function unknownSetting(setting: string, source: string, detail: string): AppConfigError {
  return new AppConfigError(setting, source, { code: 'unknown_setting', detail });
}

/** The registry's types to the schema's: on/off is a REG_DWORD 0 or 1, as the ADMX writes it. */
function fromRegistry(setting: Setting, value: RegistryValue, settingName: string, source: string): unknown {
  const wrongType = (expected: string) =>
    new AppConfigError(settingName, source, { code: 'wrong_type', detail: `must be ${expected}, not ${value.type}` });
  switch (setting.kind) {
    case 'boolean':
      if (value.type !== 'REG_DWORD') throw wrongType('a REG_DWORD (0 or 1)');
      if (value.data !== 0 && value.data !== 1) {
        throw new AppConfigError(settingName, source, { code: 'invalid_value', detail: `must be 0 or 1, not ${value.data}` });
      }
      return value.data === 1;
    case 'certificates':
      if (value.type === 'REG_MULTI_SZ') return [...value.data];
      if (value.type === 'REG_SZ') return [value.data];
      throw wrongType('a REG_MULTI_SZ or REG_SZ');
    default:
      if (value.type !== 'REG_SZ') throw wrongType('a REG_SZ');
      return value.data;
  }
}

function sameKey(exported: string, key: string): boolean {
  const expand = (path: string) => {
    const [root = '', ...rest] = path.split('\\');
    return [ROOTS[root.toUpperCase()] ?? root, ...rest].join('\\').toLowerCase();
  };
  return expand(exported) === expand(key);
}
