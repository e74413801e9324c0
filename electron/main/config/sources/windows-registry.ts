import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, win32 } from 'node:path';
import { AppConfigError } from '../app-config-error.js';
import type { ConfigSource, ConfigSourceKind } from '../source.js';
import { SETTINGS, settingFor, type Setting } from '../settings.js';
import { decodeRegFile, parseRegFile, RegFileSyntaxError, type RegistryValue } from './reg-file.js';

/** A key's export in the .reg format, or null when the key does not exist. */
export type RegistryExporter = (key: string) => Promise<string | null>;
/** Runs reg.exe with these arguments and gives its exit code. */
export type RegExeRunner = (args: readonly string[]) => Promise<number>;

/** reg.exe from System32 by full path, so a reg.exe earlier on PATH is never the one run. */
export function regExeRunner(env: Readonly<Record<string, string | undefined>>): RegExeRunner {
  const regExe = win32.join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'reg.exe');
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(regExe, [...args], { windowsHide: true, timeout: 10_000 }, (error) => {
        if (!error) resolve(0);
        else if (typeof error.code === 'number') resolve(error.code);
        else reject(new Error(`reg.exe could not run: ${error.message}`, { cause: error }));
      });
    });
}

/**
 * `reg export <key> <file> /y` into a fresh temporary directory. reg.exe exits 1
 * when the key does not exist, which is the usual case (no policy set).
 */
export function regExportExporter(run: RegExeRunner): RegistryExporter {
  return async (key) => {
    const dir = await mkdtemp(join(tmpdir(), 'firstkey-reg-'));
    const file = join(dir, 'export.reg');
    try {
      const exitCode = await run(['export', key, file, '/y']);
      if (exitCode === 1) return null;
      if (exitCode !== 0) throw new Error(`reg export exited with ${exitCode}`);
      return decodeRegFile(await readFile(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

export interface RegistrySourceOptions {
  /** HKLM\Software\Policies\FirstKey, HKCU\Software\Policies\FirstKey or HKCU\Software\FirstKey. */
  readonly key: string;
  readonly kind: ConfigSourceKind;
  readonly exportKey: RegistryExporter;
}

const ROOTS: Readonly<Record<string, string>> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER' };

/** One registry key's values, named as in the ADMX template (build/managed/firstkey.admx). */
export function registrySource({ key, kind, exportKey }: RegistrySourceOptions): ConfigSource {
  const valuePath = (name: string) => `${key}\\${name}`;
  const byName = new Map(SETTINGS.map((setting) => [setting.managedName.toLowerCase(), setting]));
  return {
    name: key,
    kind,
    settingName: (settingKey) => valuePath(settingFor(settingKey).managedName),
    read: async () => {
      let text: string | null;
      try {
        text = await exportKey(key);
      } catch (error) {
        throw new AppConfigError(key, key, { code: 'unreadable', detail: `cannot be read (${(error as Error).message})` });
      }
      if (text === null) return {};
      let exported;
      try {
        exported = parseRegFile(text);
      } catch (error) {
        if (error instanceof RegFileSyntaxError) throw new AppConfigError(key, key, { code: 'unreadable', detail: error.message });
        throw error;
      }
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
