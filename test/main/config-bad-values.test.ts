// Issue 10, "Managed configuration" (a bad value is shown and logged, never ignored),
// "Cleartext API by default" and the pinned CA of "Corporate networks": every kind of
// bad value, from real sample files where the format has one, becomes an AppConfigError
// that names the setting as the administrator wrote it and where.
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AppConfigError,
  loadAppConfig,
  platformConfigSources,
  type ConfigSource,
  type LoadAppConfigOptions,
} from '../../electron/main/config.js';
import { environmentSource } from '../../electron/main/config/sources/environment.js';
import { jsonFileSource } from '../../electron/main/config/sources/json-file.js';
import { managedPreferencesSource } from '../../electron/main/config/sources/managed-preferences.js';
import { decodeRegFile, parseRegFile } from '../../electron/main/config/sources/reg-file.js';
import type { Logger } from '../../electron/main/log/logger.js';
import type { LogValue } from '../../electron/main/log/redact.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/managed-config/', import.meta.url));
const fixture = (name: string) => `${FIXTURES}${name}`;
const HKLM = 'HKLM\\Software\\Policies\\FirstKey';
const HKCU = 'HKCU\\Software\\FirstKey';

const windows = (exports: Record<string, string>) =>
  platformConfigSources({
    platform: 'win32',
    env: {},
    homeDir: 'C:\\Users\\ada',
    userName: 'ada',
    readRegistryKey: async (key) => {
      const file = exports[key];
      return file === undefined ? null : parseRegFile(decodeRegFile(await readFile(fixture(file))));
    },
  });
const plist = (file: string, kind: ConfigSource['kind'] = 'policy') => managedPreferencesSource({ path: fixture(file), kind });
const json = (file: string, kind: ConfigSource['kind'] = 'policy') => jsonFileSource({ path: fixture(file), kind });
const policyServer: ConfigSource = {
  name: 'policy',
  kind: 'policy',
  settingName: (key) => key,
  read: async () => ({ serverUrl: 'https://firstkey-api.corp.example' }),
};

async function refusal(options: Partial<LoadAppConfigOptions> & { sources: readonly ConfigSource[] }): Promise<AppConfigError> {
  const error = await loadAppConfig({ packaged: true, platform: 'linux', env: {}, ...options }).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppConfigError)) throw new Error(`expected an AppConfigError, got ${String(error)}`);
  return error;
}

describe('Cleartext API by default', () => {
  it('an installed app refuses an http server URL from the registry: HKLM\\...\\ServerUrl must be https', async () => {
    const error = await refusal({ sources: windows({ [HKLM]: 'windows/hklm-cleartext-server.reg' }) });
    expect(error).toMatchObject({ setting: `${HKLM}\\ServerUrl`, source: HKLM, reason: { code: 'not_https' } });
    expect(error.message).toBe('HKLM\\Software\\Policies\\FirstKey\\ServerUrl: must be https in an installed app');
  });

  it.each(['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787'])(
    'an installed app refuses %s even on loopback (FIRSTKEY_SERVER_URL from a test policy)',
    async (url) => {
      const policy: ConfigSource = { ...policyServer, read: async () => ({ serverUrl: url }) };
      expect(await refusal({ sources: [policy] })).toMatchObject({ setting: 'serverUrl', reason: { code: 'not_https' } });
    },
  );

  it.each(['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787'])(
    'development accepts %s (the local server)',
    async (url) => {
      const env = { FIRSTKEY_SERVER_URL: url };
      expect((await loadAppConfig({ packaged: false, platform: 'linux', env, sources: [environmentSource(env)] })).serverUrl).toBe(url);
    },
  );

  it.each([
    ['http://firstkey-api.corp.example', 'not_https'],
    ['http://127.0.0.2:8787', 'not_https'],
    ['ftp://firstkey-api.corp.example', 'invalid_url'],
    ['firstkey-api.corp.example', 'invalid_url'],
    ['https://admin:hunter2@firstkey-api.corp.example', 'invalid_url'],
  ])('development still refuses FIRSTKEY_SERVER_URL=%s (%s)', async (url, code) => {
    const env = { FIRSTKEY_SERVER_URL: url };
    const error = await refusal({ packaged: false, env, sources: [environmentSource(env)] });
    expect(error).toMatchObject({ setting: 'FIRSTKEY_SERVER_URL', source: 'environment', reason: { code } });
  });

  it('the update feed follows the same rule: UpdatesFeedUrl over http is refused in an installed app', async () => {
    const policy: ConfigSource = {
      name: HKLM,
      kind: 'policy',
      settingName: (key) => `${HKLM}\\${key === 'updates.feedUrl' ? 'UpdatesFeedUrl' : key}`,
      read: async () => ({ serverUrl: 'https://api.example', 'updates.enabled': true, 'updates.feedUrl': 'http://updates.corp.example/' }),
    };
    expect(await refusal({ sources: [policy] })).toMatchObject({ setting: `${HKLM}\\UpdatesFeedUrl`, reason: { code: 'not_https' } });
  });

  it('the enrolment origin must be https even in development, and an origin without a path', async () => {
    for (const [origin, code] of [
      ['http://enrol.corp.example', 'not_https'],
      ['https://enrol.corp.example/app', 'invalid_value'],
    ] as const) {
      const env = { FIRSTKEY_ENROLMENT_ORIGIN: origin };
      expect(await refusal({ packaged: false, env, sources: [environmentSource(env)] })).toMatchObject({
        setting: 'FIRSTKEY_ENROLMENT_ORIGIN',
        reason: { code },
      });
    }
  });
});

describe('Corporate networks: a pinned CA by managed configuration', () => {
  it('a REG_MULTI_SZ certificate with base64 cut out of it is refused, naming ExtraCaCertificates', async () => {
    const error = await refusal({ sources: windows({ [HKLM]: 'windows/hklm-broken-certificate.reg' }) });
    expect(error).toMatchObject({ setting: `${HKLM}\\ExtraCaCertificates`, source: HKLM, reason: { code: 'bad_certificate' } });
    expect(error.reason.detail).toMatch(/^certificate 1 does not parse as an X\.509 certificate/);
  });

  it.each([
    // An Ed25519 PKCS#8 header with no key bytes: shaped like a private key, holding none (built here so no scanner mistakes it for one).
    [
      'a private key instead of a certificate',
      ['PRIVATE KEY'].map((label) => `-----BEGIN ${label}-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END ${label}-----`)[0]!,
    ],
    ['a BEGIN line without its END', '-----BEGIN CERTIFICATE-----\nMIIB5zCCAY2gAwIBAgIU'],
    ['a file path instead of the PEM text', '/etc/ssl/certs/corp-root.pem'],
    ['text that is not base64 inside the block', '-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----'],
  ])('FIRSTKEY_EXTRA_CA_CERTIFICATES holding %s is refused', async (_what, pem) => {
    const env = { FIRSTKEY_EXTRA_CA_CERTIFICATES: pem };
    expect(await refusal({ packaged: false, env, sources: [environmentSource(env)] })).toMatchObject({
      setting: 'FIRSTKEY_EXTRA_CA_CERTIFICATES',
      reason: { code: 'bad_certificate' },
    });
  });

  it('a second certificate that is broken is named by its position, even when the first is good', async () => {
    const good = await readFile(fixture('inspection-root.pem'), 'utf8');
    const env = { FIRSTKEY_EXTRA_CA_CERTIFICATES: `${good}\n${good.replace('MIIB5z', 'MIIB5y')}` };
    const error = await refusal({ packaged: false, env, sources: [environmentSource(env)] });
    expect(error.reason.detail).toMatch(/^certificate 2 /);
  });

  it('only policy may add a trusted CA in an installed app: the person’s own config file cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firstkey-config-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ extraCaCertificates: [await readFile(fixture('inspection-root.pem'), 'utf8')] }));
      const error = await refusal({ sources: [policyServer, jsonFileSource({ path: file, kind: 'user' })] });
      expect(error).toMatchObject({ setting: `extraCaCertificates in ${file}`, source: file, reason: { code: 'policy_only' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Managed configuration: a bad value is never ignored', () => {
  it('Kiosk written as REG_SZ "1" instead of a REG_DWORD names the registry value and the type it must be', async () => {
    const error = await refusal({ sources: windows({ [HKLM]: 'windows/hklm-kiosk-as-string.reg' }) });
    expect(error).toMatchObject({
      setting: `${HKLM}\\Kiosk`,
      source: HKLM,
      reason: { code: 'wrong_type', detail: 'must be a REG_DWORD (0 or 1), not REG_SZ' },
    });
  });

  it('kiosk mode may be set only by policy in an installed app: Kiosk in HKCU\\Software\\FirstKey is refused', async () => {
    const error = await refusal({ sources: windows({ [HKLM]: 'windows/hklm-policy.reg', [HKCU]: 'windows/hkcu-user-sets-kiosk.reg' }) });
    expect(error).toMatchObject({ setting: `${HKCU}\\Kiosk`, source: HKCU, reason: { code: 'policy_only' } });
  });

  it('kiosk mode may be set only by policy in an installed app: FIRSTKEY_KIOSK=1 is refused, and accepted in development', async () => {
    const env = { FIRSTKEY_KIOSK: '1' };
    expect(await refusal({ env, sources: [policyServer, environmentSource(env)] })).toMatchObject({
      setting: 'FIRSTKEY_KIOSK',
      source: 'environment',
      reason: { code: 'policy_only' },
    });
    expect((await loadAppConfig({ packaged: false, platform: 'linux', env, sources: [environmentSource(env)] })).kiosk).toBe(true);
  });

  it('FIRSTKEY_KIOSK=yes is refused rather than read as off', async () => {
    const env = { FIRSTKEY_KIOSK: 'yes' };
    expect(await refusal({ packaged: false, env, sources: [environmentSource(env)] })).toMatchObject({
      setting: 'FIRSTKEY_KIOSK',
      reason: { code: 'wrong_type' },
    });
  });

  it('a value under a subkey (HKLM\\...\\FirstKey\\Updates\\Enabled) is refused: the app reads no subkeys', async () => {
    const error = await refusal({ sources: windows({ [HKLM]: 'windows/hklm-subkey.reg' }) });
    expect(error).toMatchObject({
      setting: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey\\Updates\\Enabled',
      source: HKLM,
      reason: { code: 'unknown_setting' },
    });
  });

  it('Kiosk as <integer>1</integer> in a managed-preferences plist is refused as the wrong type', async () => {
    const error = await refusal({ sources: [policyServer, plist('macos/kiosk-as-integer.plist')] });
    expect(error).toMatchObject({
      setting: `Kiosk in ${fixture('macos/kiosk-as-integer.plist')}`,
      source: fixture('macos/kiosk-as-integer.plist'),
      reason: { code: 'wrong_type', detail: 'must be a boolean' },
    });
  });

  it('a misspelt key (ServerURL for ServerUrl) is refused, not left at its default', async () => {
    expect(await refusal({ sources: [plist('macos/misspelt-key.plist')] })).toMatchObject({
      setting: `ServerURL in ${fixture('macos/misspelt-key.plist')}`,
      reason: { code: 'unknown_setting' },
    });
    expect(await refusal({ sources: [json('linux/unknown-key.json')] })).toMatchObject({
      setting: `proxy in ${fixture('linux/unknown-key.json')}`,
      reason: { code: 'unknown_setting' },
    });
  });

  it('a cut-off plist and a JSON file with a trailing comma are unreadable, naming the file', async () => {
    expect(await refusal({ sources: [plist('macos/truncated.plist')] })).toMatchObject({
      setting: fixture('macos/truncated.plist'),
      reason: { code: 'unreadable' },
    });
    expect(await refusal({ sources: [json('linux/not-json.json')] })).toMatchObject({
      setting: fixture('linux/not-json.json'),
      reason: { code: 'unreadable' },
    });
  });

  it('"kiosk": "yes" in /etc/firstkey/config.json is the wrong type', async () => {
    expect(await refusal({ sources: [json('linux/kiosk-as-string.json')] })).toMatchObject({
      setting: `kiosk in ${fixture('linux/kiosk-as-string.json')}`,
      reason: { code: 'wrong_type', detail: 'must be a boolean' },
    });
  });

  it('updates turned on without a feed names the feed setting', async () => {
    expect(await refusal({ sources: [json('linux/updates-without-feed.json')] })).toMatchObject({
      setting: `updates.feedUrl in ${fixture('linux/updates-without-feed.json')}`,
      reason: { code: 'missing' },
    });
  });

  it('an unknown log level is refused, naming the allowed ones', async () => {
    const env = { FIRSTKEY_LOG_LEVEL: 'verbose' };
    const error = await refusal({ env, sources: [policyServer, environmentSource(env)] });
    expect(error).toMatchObject({ setting: 'FIRSTKEY_LOG_LEVEL', reason: { code: 'invalid_value' } });
    expect(error.reason.detail).toBe('must be one of debug, info, warn, error');
  });

  it('a bad value in a source that would lose anyway is still refused', async () => {
    const env = { FIRSTKEY_LOG_LEVEL: 'loud' };
    // Policy sets LogLevel=warn and wins in an installed app; the environment's bad value still stops the start.
    expect(
      await refusal({ env, sources: [...windows({ [HKLM]: 'windows/hklm-policy.reg' }).slice(0, 3), environmentSource(env)] }),
    ).toMatchObject({
      setting: 'FIRSTKEY_LOG_LEVEL',
    });
  });

  it('a policy file any account can rewrite is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firstkey-config-'));
    try {
      const file = join(dir, 'config.json');
      await copyFile(fixture('linux/etc-config.json'), file);
      await chmod(file, 0o666);
      expect(await refusal({ sources: [jsonFileSource({ path: file, kind: 'policy' })] })).toMatchObject({
        setting: file,
        reason: { code: 'unreadable' },
      });
      await chmod(file, 0o644);
      expect(
        (await loadAppConfig({ packaged: true, platform: 'linux', env: {}, sources: [jsonFileSource({ path: file, kind: 'policy' })] }))
          .kiosk,
      ).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a registry that cannot be read (reg.exe failing) is an error, not an empty policy', async () => {
    const sources = platformConfigSources({
      platform: 'win32',
      env: {},
      homeDir: 'C:\\Users\\ada',
      userName: 'ada',
      readRegistryKey: async () => {
        throw new Error('reg query exited with 5');
      },
    });
    expect(await refusal({ sources })).toMatchObject({ setting: HKLM, source: HKLM, reason: { code: 'unreadable' } });
  });

  it('every refusal is logged as config.invalid with setting, source, reason code and detail', async () => {
    const lines: [string, Record<string, LogValue> | undefined][] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (event, fields) => lines.push([event, fields]),
    };
    await refusal({ log, sources: windows({ [HKLM]: 'windows/hklm-kiosk-as-string.reg' }) });
    expect(lines).toEqual([
      [
        'config.invalid',
        { setting: `${HKLM}\\Kiosk`, source: HKLM, reason: 'wrong_type', message: 'must be a REG_DWORD (0 or 1), not REG_SZ' },
      ],
    ]);
  });
});
