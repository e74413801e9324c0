import { readFile, stat } from 'node:fs/promises';
import { AppConfigError } from '../app-config-error.js';
import type { ConfigSource, ConfigSourceKind } from '../source.js';
import { isSettingKey } from '../settings.js';

export interface JsonFileSourceOptions {
  readonly path: string;
  readonly kind: ConfigSourceKind;
}

const NESTED: ReadonlySet<string> = new Set(['updates']);

/**
 * A JSON file shaped like the configuration itself (build/managed/linux-config.example.json):
 * /etc/firstkey/config.json for policy, ~/.config/FirstKey/config.json for the user.
 * A missing file sets nothing; a file that is there but is not a JSON object is an error.
 */
export function jsonFileSource({ path, kind }: JsonFileSourceOptions): ConfigSource {
  const unreadable = (detail: string) => new AppConfigError(path, path, { code: 'unreadable', detail });
  const unknown = (name: string) =>
    new AppConfigError(`${name} in ${path}`, path, { code: 'unknown_setting', detail: 'is not a setting the app knows' });
  return {
    name: path,
    kind,
    settingName: (key) => `${key} in ${path}`,
    read: async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw unreadable(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      // A policy any local account can rewrite is not an administrator's policy.
      if (kind === 'policy' && process.platform !== 'win32' && ((await stat(path)).mode & 0o002) !== 0) {
        throw unreadable('is writable by every account on this computer; a policy file must be writable only by administrators');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw unreadable(`is not valid JSON (${(error as Error).message})`);
      }
      if (!isObject(parsed)) throw unreadable('must hold a JSON object');
      const values: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(parsed)) {
        if (NESTED.has(name)) {
          if (!isObject(value)) {
            throw new AppConfigError(`${name} in ${path}`, path, { code: 'wrong_type', detail: 'must be a JSON object' });
          }
          for (const [inner, innerValue] of Object.entries(value)) {
            const key = `${name}.${inner}`;
            if (!isSettingKey(key)) throw unknown(key);
            values[key] = innerValue;
          }
        } else if (isSettingKey(name)) {
          values[name] = value;
        } else {
          throw unknown(name);
        }
      }
      return values;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
