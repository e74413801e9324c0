import { posix } from 'node:path';
import type { ConfigSource } from './source.js';
import { environmentSource } from './sources/environment.js';
import { jsonFileSource } from './sources/json-file.js';
import { managedPreferencesSource, plistFileReader, PREFERENCE_DOMAIN, type PlistXmlReader } from './sources/managed-preferences.js';
import { regQueryReader, registrySource, type RegistryReader } from './sources/windows-registry.js';

export const WINDOWS_POLICY_KEY = 'HKLM\\Software\\Policies\\FirstKey';
export const WINDOWS_USER_POLICY_KEY = 'HKCU\\Software\\Policies\\FirstKey';
export const WINDOWS_USER_KEY = 'HKCU\\Software\\FirstKey';
export const MACOS_MANAGED_PREFERENCES = '/Library/Managed Preferences';
export const LINUX_POLICY_FILE = '/etc/firstkey/config.json';

export interface PlatformSourceOptions {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly userName: string;
  /** Seams for the two platform calls (reg.exe, plutil); the parsing behind them is always the real one. */
  readonly readRegistryKey?: RegistryReader;
  readonly readPlistXml?: PlistXmlReader;
}

/**
 * Where each platform keeps the app's settings, in the order they are listed in
 * the README. Per-user policy (HKCU\Software\Policies, the per-user managed
 * preferences) is written by an administrator's MDM or GPO and cannot be changed
 * by the person (its ACL / root ownership), so it counts as policy; the person's
 * own places (HKCU\Software\FirstKey, ~/Library/Preferences, ~/.config) are `user`.
 */
export function platformConfigSources(options: PlatformSourceOptions): ConfigSource[] {
  const environment = environmentSource(options.env);
  switch (options.platform) {
    case 'win32': {
      // Not from options.env: the environment must not choose which reg.exe answers for HKLM.
      const readKey = options.readRegistryKey ?? regQueryReader();
      return [
        registrySource({ key: WINDOWS_POLICY_KEY, kind: 'policy', readKey }),
        registrySource({ key: WINDOWS_USER_POLICY_KEY, kind: 'policy', readKey }),
        registrySource({ key: WINDOWS_USER_KEY, kind: 'user', readKey }),
        environment,
      ];
    }
    case 'darwin': {
      const readXml = options.readPlistXml ?? plistFileReader();
      const file = `${PREFERENCE_DOMAIN}.plist`;
      return [
        managedPreferencesSource({ path: posix.join(MACOS_MANAGED_PREFERENCES, file), kind: 'policy', readXml }),
        managedPreferencesSource({ path: posix.join(MACOS_MANAGED_PREFERENCES, options.userName, file), kind: 'policy', readXml }),
        managedPreferencesSource({ path: posix.join(options.homeDir, 'Library', 'Preferences', file), kind: 'user', readXml }),
        environment,
      ];
    }
    default: {
      const xdg = options.env.XDG_CONFIG_HOME;
      const configHome = xdg?.startsWith('/') ? xdg : posix.join(options.homeDir, '.config');
      return [
        jsonFileSource({ path: LINUX_POLICY_FILE, kind: 'policy' }),
        jsonFileSource({ path: posix.join(configHome, 'FirstKey', 'config.json'), kind: 'user' }),
        environment,
      ];
    }
  }
}
