// Issue 10, "Managed configuration": which source wins, fed from real sample files
// (registry exports, managed-preference plists, JSON files) through the real readers.
// Only reg.exe and plutil are stood in for: each stand-in hands over a fixture file.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig, platformConfigSources, type ConfigSource } from '../../electron/main/config.js';
import { environmentSource } from '../../electron/main/config/sources/environment.js';
import { jsonFileSource } from '../../electron/main/config/sources/json-file.js';
import { decodeRegFile, parseRegFile } from '../../electron/main/config/sources/reg-file.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/managed-config/', import.meta.url));
const fixture = (name: string) => `${FIXTURES}${name}`;
const INSPECTION_ROOT = (await readFile(fixture('inspection-root.pem'), 'utf8')).trim();

/** The configuration with its certificates (parsed once, by the schema, and handed to the network code as they are) shown as PEM. */
function withPem<T extends { extraCaCertificates: readonly X509Certificate[] }>(config: T) {
  for (const certificate of config.extraCaCertificates) expect(certificate).toBeInstanceOf(X509Certificate);
  return { ...config, extraCaCertificates: config.extraCaCertificates.map(String) };
}

/** The registry stand-in: it holds exactly these exports. */
const registryHolding = (exports: Record<string, string>) => async (key: string) => {
  const file = exports[key];
  return file === undefined ? null : parseRegFile(decodeRegFile(await readFile(fixture(file))));
};
/** plutil stand-in: these paths hold these plists; everything else is absent. */
const plistsAt = (files: Record<string, string>) => async (path: string) => {
  const file = files[path];
  return file === undefined ? null : readFile(fixture(file), 'utf8');
};

const windows = (exports: Record<string, string>, env: Record<string, string> = {}) =>
  platformConfigSources({
    platform: 'win32',
    env,
    homeDir: 'C:\\Users\\ada',
    userName: 'ada',
    readRegistryKey: registryHolding(exports),
  });
const mac = (files: Record<string, string>, env: Record<string, string> = {}) =>
  platformConfigSources({ platform: 'darwin', env, homeDir: '/Users/ada', userName: 'ada', readPlistXml: plistsAt(files) });
const linux = (policy: string | null, user: string | null, env: Record<string, string> = {}): ConfigSource[] => [
  jsonFileSource({ path: policy ? fixture(policy) : fixture('linux/absent.json'), kind: 'policy' }),
  jsonFileSource({ path: user ? fixture(user) : fixture('linux/absent.json'), kind: 'user' }),
  environmentSource(env),
];

const HKLM = 'HKLM\\Software\\Policies\\FirstKey';
const HKCU = 'HKCU\\Software\\FirstKey';
const DEVICE_PLIST = '/Library/Managed Preferences/com.firstkey.enrol.plist';
const USER_MANAGED_PLIST = '/Library/Managed Preferences/ada/com.firstkey.enrol.plist';
const USER_PLIST = '/Users/ada/Library/Preferences/com.firstkey.enrol.plist';

describe('Managed configuration: Windows policy from HKLM\\Software\\Policies\\FirstKey', () => {
  it('reads every setting of a real registry export, certificates and non-ASCII text included', async () => {
    const config = await loadAppConfig({
      packaged: true,
      platform: 'win32',
      env: {},
      sources: windows({ [HKLM]: 'windows/hklm-policy.reg' }),
    });
    expect(withPem(config)).toEqual({
      serverUrl: 'https://firstkey-api.corp.example',
      enrolmentOrigin: 'https://enrol.corp.example',
      kiosk: true,
      updates: { enabled: true, feedUrl: 'https://updates.corp.example/firstkey/' },
      extraCaCertificates: [`${INSPECTION_ROOT}\n`],
      logLevel: 'warn',
      helpDeskContact: 'Service desk Zürich: +41 44 000 00 00, "help.corp.example"',
    });
  });

  it('in an installed app, policy beats the person: HKLM LogLevel=warn over HKCU LogLevel=debug over FIRSTKEY_LOG_LEVEL', async () => {
    const config = await loadAppConfig({
      packaged: true,
      platform: 'win32',
      env: {},
      sources: windows({ [HKLM]: 'windows/hklm-policy.reg', [HKCU]: 'windows/hkcu-user.reg' }, { FIRSTKEY_LOG_LEVEL: 'error' }),
    });
    expect(config.logLevel).toBe('warn');
  });

  it('in an installed app, the person’s own HKCU key beats the environment for the keys they may change', async () => {
    const sources = windows({ [HKCU]: 'windows/hkcu-user.reg' }, { FIRSTKEY_SERVER_URL: '', FIRSTKEY_LOG_LEVEL: 'error' });
    const policy: ConfigSource = {
      name: 'test policy',
      kind: 'policy',
      settingName: (key) => key,
      read: async () => ({ serverUrl: 'https://api.example' }),
    };
    const config = await loadAppConfig({ packaged: true, platform: 'win32', env: {}, sources: [policy, ...sources] });
    expect(config.logLevel).toBe('debug');
  });

  it('in development the environment wins over policy, so a developer on a managed laptop can point at the local server', async () => {
    const config = await loadAppConfig({
      packaged: false,
      platform: 'win32',
      env: {},
      sources: windows({ [HKLM]: 'windows/hklm-policy.reg' }, { FIRSTKEY_SERVER_URL: 'http://127.0.0.1:8787', FIRSTKEY_KIOSK: '0' }),
    });
    expect(config).toMatchObject({ serverUrl: 'http://127.0.0.1:8787', kiosk: false, enrolmentOrigin: 'https://enrol.corp.example' });
  });

  it('reads HKLM, then HKCU\\Software\\Policies (per-user policy), then HKCU\\Software\\FirstKey (the person), then the environment', () => {
    expect(windows({}).map((source) => [source.name, source.kind])).toEqual([
      ['HKLM\\Software\\Policies\\FirstKey', 'policy'],
      ['HKCU\\Software\\Policies\\FirstKey', 'policy'],
      ['HKCU\\Software\\FirstKey', 'user'],
      ['environment', 'environment'],
    ]);
  });
});

describe('Managed configuration: macOS managed preferences for com.firstkey.enrol', () => {
  it('reads the device profile’s plist', async () => {
    const config = await loadAppConfig({
      packaged: true,
      platform: 'darwin',
      env: {},
      sources: mac({ [DEVICE_PLIST]: 'macos/com.firstkey.enrol.plist' }),
    });
    expect(withPem(config)).toEqual({
      serverUrl: 'https://firstkey-api.corp.example',
      enrolmentOrigin: 'https://enrol.corp.example',
      kiosk: true,
      updates: { enabled: false },
      extraCaCertificates: [`${INSPECTION_ROOT}\n`],
      logLevel: 'info',
      helpDeskContact: 'IT Service Desk & Onboarding: ext. 4242',
    });
  });

  it('device profile over per-user profile over ~/Library/Preferences over the environment', async () => {
    const all = {
      [DEVICE_PLIST]: 'macos/com.firstkey.enrol.plist',
      [USER_MANAGED_PLIST]: 'macos/user-managed.plist',
      [USER_PLIST]: 'macos/user-preferences.plist',
    };
    const env = { FIRSTKEY_LOG_LEVEL: 'error' };
    const load = (files: Record<string, string>) => loadAppConfig({ packaged: true, platform: 'darwin', env, sources: mac(files, env) });
    expect((await load(all)).logLevel).toBe('info'); // per-user managed: the device profile sets no LogLevel
    expect((await load({ [DEVICE_PLIST]: all[DEVICE_PLIST], [USER_PLIST]: all[USER_PLIST] })).logLevel).toBe('debug');
    expect((await load({ [DEVICE_PLIST]: all[DEVICE_PLIST] })).logLevel).toBe('error');
  });
});

describe('Managed configuration: Linux /etc/firstkey/config.json and ~/.config/FirstKey/config.json', () => {
  it('policy file, then the person’s file, then the environment, in an installed app', async () => {
    const config = await loadAppConfig({
      packaged: true,
      platform: 'linux',
      env: {},
      sources: linux('linux/etc-config.json', 'linux/user-config.json', { FIRSTKEY_LOG_LEVEL: 'warn' }),
    });
    expect(withPem(config)).toEqual({
      serverUrl: 'https://firstkey-api.corp.example',
      enrolmentOrigin: 'https://enrol.corp.example',
      kiosk: false,
      updates: { enabled: true, feedUrl: 'https://updates.corp.example/firstkey/' },
      extraCaCertificates: [`${INSPECTION_ROOT}\n`],
      logLevel: 'info',
      helpDeskContact: 'IT Service Desk: ext. 4242',
    });
    const withoutPolicyLevel = await loadAppConfig({
      packaged: true,
      platform: 'linux',
      env: {},
      sources: [
        { name: 'policy', kind: 'policy', settingName: (key) => key, read: async () => ({ serverUrl: 'https://api.example' }) },
        ...linux(null, 'linux/user-config.json', { FIRSTKEY_LOG_LEVEL: 'warn' }),
      ],
    });
    expect(withoutPolicyLevel.logLevel).toBe('debug');
  });

  it('in development the environment, then policy, then the person’s file', async () => {
    const env = { FIRSTKEY_SERVER_URL: 'http://localhost:8787' };
    const config = await loadAppConfig({
      packaged: false,
      platform: 'linux',
      env,
      sources: linux('linux/etc-config.json', 'linux/user-config-server.json', env),
    });
    expect(config.serverUrl).toBe('http://localhost:8787');
    const withoutEnv = await loadAppConfig({
      packaged: false,
      platform: 'linux',
      env: {},
      sources: linux('linux/etc-config.json', 'linux/user-config-server.json'),
    });
    expect(withoutEnv.serverUrl).toBe('https://firstkey-api.corp.example');
    const userOnly = await loadAppConfig({
      packaged: false,
      platform: 'linux',
      env: {},
      sources: linux(null, 'linux/user-config-server.json'),
    });
    expect(userOnly.serverUrl).toBe('https://firstkey-api.attacker.example');
  });

  it('reads /etc/firstkey/config.json, then $XDG_CONFIG_HOME/FirstKey/config.json (or ~/.config), then the environment', () => {
    const names = (env: Record<string, string>) =>
      platformConfigSources({ platform: 'linux', env, homeDir: '/home/ada', userName: 'ada' }).map((source) => [source.name, source.kind]);
    expect(names({})).toEqual([
      ['/etc/firstkey/config.json', 'policy'],
      ['/home/ada/.config/FirstKey/config.json', 'user'],
      ['environment', 'environment'],
    ]);
    expect(names({ XDG_CONFIG_HOME: '/home/ada/.cfg' })[1]).toEqual(['/home/ada/.cfg/FirstKey/config.json', 'user']);
  });

  it('with nothing configured, development gets the demo server and an installed app refuses to start without one', async () => {
    expect(await loadAppConfig({ packaged: false, platform: 'linux', env: {}, sources: linux(null, null) })).toMatchObject({
      serverUrl: 'http://127.0.0.1:8787',
      enrolmentOrigin: 'https://enrol.firstkey.test',
      kiosk: false,
      logLevel: 'info',
    });
    const refusal = await loadAppConfig({ packaged: true, platform: 'linux', env: {}, sources: linux(null, null) }).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(AppConfigError);
    expect(refusal).toMatchObject({ setting: `serverUrl in ${fixture('linux/absent.json')}`, reason: { code: 'missing' } });
  });
});
