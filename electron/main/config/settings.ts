/**
 * Every setting an IT team can give the app, once: its key in the app's
 * configuration, and its name in each place an administrator writes it. The
 * schema, the readers, the error messages and the ADMX / profile templates all
 * follow this table, so a setting cannot exist in one of them and not the others
 * (test/main/config-templates.test.ts checks the templates against it).
 */

/** How a value is written down; each reader turns its own encoding into these types. */
export type SettingKind = 'url' | 'origin' | 'boolean' | 'logLevel' | 'text' | 'certificates';

export interface Setting {
  /** The key in the app's configuration (a dotted path for nested keys; also the JSON file's path). */
  readonly key: SettingKey;
  /** The environment variable. */
  readonly env: string;
  /** The registry value name (under Software\Policies\FirstKey) and the managed-preferences (plist) key. */
  readonly managedName: string;
  readonly kind: SettingKind;
  /**
   * Whether the person at the computer may set it (their own config file, HKCU, the environment)
   * in an installed app. Everything else decides where the app sends codes, whom it trusts or
   * how the station behaves, so only an administrator's policy may set it there.
   */
  readonly userMayChange: boolean;
}

export const SETTING_KEYS = [
  'serverUrl',
  'enrolmentOrigin',
  'kiosk',
  'updates.enabled',
  'updates.feedUrl',
  'extraCaCertificates',
  'logLevel',
  'helpDeskContact',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export const SETTINGS: readonly Setting[] = [
  { key: 'serverUrl', env: 'FIRSTKEY_SERVER_URL', managedName: 'ServerUrl', kind: 'url', userMayChange: false },
  { key: 'enrolmentOrigin', env: 'FIRSTKEY_ENROLMENT_ORIGIN', managedName: 'EnrolmentOrigin', kind: 'origin', userMayChange: false },
  { key: 'kiosk', env: 'FIRSTKEY_KIOSK', managedName: 'Kiosk', kind: 'boolean', userMayChange: false },
  { key: 'updates.enabled', env: 'FIRSTKEY_UPDATES_ENABLED', managedName: 'UpdatesEnabled', kind: 'boolean', userMayChange: false },
  { key: 'updates.feedUrl', env: 'FIRSTKEY_UPDATES_FEED_URL', managedName: 'UpdatesFeedUrl', kind: 'url', userMayChange: false },
  {
    key: 'extraCaCertificates',
    env: 'FIRSTKEY_EXTRA_CA_CERTIFICATES',
    managedName: 'ExtraCaCertificates',
    kind: 'certificates',
    userMayChange: false,
  },
  { key: 'logLevel', env: 'FIRSTKEY_LOG_LEVEL', managedName: 'LogLevel', kind: 'logLevel', userMayChange: true },
  { key: 'helpDeskContact', env: 'FIRSTKEY_HELP_DESK_CONTACT', managedName: 'HelpDeskContact', kind: 'text', userMayChange: false },
];

export function settingFor(key: SettingKey): Setting {
  const setting = SETTINGS.find((candidate) => candidate.key === key);
  if (!setting) throw new Error(`no setting ${key}`);
  return setting;
}

export function isSettingKey(value: string): value is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(value);
}
