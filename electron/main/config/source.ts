import type { SettingKey } from './settings.js';

/**
 * Who wrote a source: an administrator's policy (HKLM / HKCU\Software\Policies,
 * managed preferences, /etc), the person at the computer (their own registry key
 * or config file), or the process environment.
 */
export type ConfigSourceKind = 'policy' | 'user' | 'environment';

/**
 * One place settings are read from. Only `read` touches the platform (a file, a
 * registry export, a plist conversion), so the parsing behind it is tested on
 * real sample files anywhere.
 */
export interface ConfigSource {
  /** Where, as an administrator would look: `environment`, a registry key, a file path. */
  readonly name: string;
  readonly kind: ConfigSourceKind;
  /**
   * The values this source sets, by setting key (`updates.feedUrl`), already in the
   * schema's types (a REG_DWORD 1 is `true`). A value this source's own format
   * cannot express as the setting's type, a name it does not know, or a source that
   * exists but cannot be read, throws AppConfigError: it is never skipped.
   */
  read(): Promise<Record<string, unknown>>;
  /** The setting as written here: FIRSTKEY_SERVER_URL, HKLM\Software\Policies\FirstKey\ServerUrl, `serverUrl in /etc/firstkey/config.json`. */
  settingName(key: SettingKey): string;
}
