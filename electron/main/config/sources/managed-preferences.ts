import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { AppConfigError } from '../app-config-error.js';
import type { ConfigSource, ConfigSourceKind } from '../source.js';
import { SETTINGS, settingFor } from '../settings.js';
import { parsePlistXml, PlistSyntaxError, type PlistDict, type PlistValue } from './plist-xml.js';

/** The app's preference domain (its bundle id): the plist file name and the profile's payload domain. */
export const PREFERENCE_DOMAIN = 'com.firstkey.enrol';

/** The plist's XML text, or null when there is no such file. */
export type PlistXmlReader = (path: string) => Promise<string | null>;
/** Turns a binary plist file into XML (macOS: plutil). */
export type PlistConverter = (path: string) => Promise<string>;

const BINARY_PLIST_MAGIC = 'bplist';

/** `plutil -convert xml1 -o - <file>`: macOS writes managed preferences as binary plists. */
export const plutilToXml: PlistConverter = async (path) => {
  const { stdout } = await promisify(execFile)('/usr/bin/plutil', ['-convert', 'xml1', '-o', '-', '--', path], {
    encoding: 'utf8',
    timeout: 10_000,
    windowsHide: true,
  });
  return stdout;
};

/** Reads a plist file: XML as is, binary through `convert`. */
export function plistFileReader(convert: PlistConverter = plutilToXml): PlistXmlReader {
  return async (path) => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return bytes.subarray(0, BINARY_PLIST_MAGIC.length).toString('latin1') === BINARY_PLIST_MAGIC ? convert(path) : bytes.toString('utf8');
  };
}

export interface ManagedPreferencesSourceOptions {
  readonly path: string;
  readonly kind: ConfigSourceKind;
  readonly readXml?: PlistXmlReader;
}

/**
 * A preferences plist for the app's domain: /Library/Managed Preferences/com.firstkey.enrol.plist
 * (device profile), its per-user twin, or the person's own ~/Library/Preferences file. Keys are
 * the managed names (ServerUrl, Kiosk, ...), the same as the registry's value names.
 */
export function managedPreferencesSource({ path, kind, readXml = plistFileReader() }: ManagedPreferencesSourceOptions): ConfigSource {
  const fail = (detail: string) => new AppConfigError(path, path, { code: 'unreadable', detail });
  return {
    name: path,
    kind,
    settingName: (key) => `${settingFor(key).managedName} in ${path}`,
    read: async () => {
      let xml: string | null;
      try {
        xml = await readXml(path);
      } catch (error) {
        throw fail(`cannot be read (${(error as Error).message})`);
      }
      if (xml === null) return {};
      let root: PlistValue;
      try {
        root = parsePlistXml(xml);
      } catch (error) {
        if (error instanceof PlistSyntaxError) throw fail(`is not a valid property list (${error.message})`);
        throw error;
      }
      if (!isDict(root)) throw fail('must hold a <dict>');
      return valuesFromPreferences(root, path);
    },
  };
}

export function isDict(value: PlistValue): value is PlistDict {
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

const BY_MANAGED_NAME = new Map(SETTINGS.map((setting) => [setting.managedName, setting]));

/**
 * A preference domain's keys as settings: what the plist file holds, and what a
 * profile's mcx_preference_settings hold (build/managed/com.firstkey.enrol.mobileconfig).
 */
export function valuesFromPreferences(preferences: PlistDict, where: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(preferences)) {
    // Payload* keys are the profile format's own bookkeeping, which macOS may copy into the domain.
    if (name.startsWith('Payload')) continue;
    const setting = BY_MANAGED_NAME.get(name);
    if (!setting) {
      throw new AppConfigError(`${name} in ${where}`, where, {
        code: 'unknown_setting',
        detail: 'is not a setting the app knows (keys are case-sensitive)',
      });
    }
    // Types are the schema's to check; only a single PEM <string> is read as a list of one.
    values[setting.key] = setting.kind === 'certificates' && typeof value === 'string' ? [value] : value;
  }
  return values;
}
