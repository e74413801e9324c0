import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import { DEMO_RP_ID } from '../../api/defaults.js';

/**
 * Issue 10, "macOS signing config" and the signing half of "Signed updates":
 * the entitlements codesign will apply, and what the packaging config takes
 * from the environment (signtool / Azure Trusted Signing, notarization, the
 * provisioning profile, the update feed), each judged by electron-builder's
 * own JSON schema.
 */

const ROOT = process.cwd();
const require = createRequire(import.meta.url);
const plist = require('plist') as { parse: (xml: string) => unknown };

type Env = Record<string, string>;
interface Signing {
  publish: { provider: string; url: string }[] | null;
  win: Record<string, unknown>;
  mac: { provisioningProfile: string | null; notarize: boolean };
}
const { signingFromEnv } = require(join(ROOT, 'build', 'signing-from-env.cjs')) as { signingFromEnv: (env: Env) => Signing };
const CONFIG_PATH = join(ROOT, 'build', 'electron-builder.config.cjs');

/** The config as electron-builder would load it with this environment. */
const SIGNING_VARIABLES = [
  'FIRSTKEY_UPDATE_URL',
  'FIRSTKEY_WIN_PUBLISHER_NAME',
  'FIRSTKEY_AZURE_SIGNING_ENDPOINT',
  'FIRSTKEY_AZURE_SIGNING_ACCOUNT',
  'FIRSTKEY_AZURE_CERTIFICATE_PROFILE',
  'FIRSTKEY_MAC_PROVISIONING_PROFILE',
  'APPLE_API_KEY',
  'APPLE_API_KEY_ID',
  'APPLE_API_ISSUER',
  'APPLE_ID',
  'APPLE_APP_SPECIFIC_PASSWORD',
  'APPLE_TEAM_ID',
  'APPLE_KEYCHAIN',
  'APPLE_KEYCHAIN_PROFILE',
];

function configWith(env: Env): Record<string, Record<string, unknown>> {
  // Only what the test gives: a signer's variables in the shell running the tests must not leak in.
  for (const name of SIGNING_VARIABLES) vi.stubEnv(name, '');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  try {
    Reflect.deleteProperty(require.cache, CONFIG_PATH);
    return require(CONFIG_PATH) as Record<string, Record<string, unknown>>;
  } finally {
    vi.unstubAllEnvs();
    Reflect.deleteProperty(require.cache, CONFIG_PATH);
  }
}

function schemaValidator() {
  const schema = require('app-builder-lib/scheme.json') as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'typeof', schemaType: 'string', validate: (type: string, data: unknown) => typeof data === type });
  const validate = ajv.compile(schema);
  return (config: unknown) => {
    const valid = validate(config);
    return { valid, errors: ajv.errorsText(validate.errors) };
  };
}

function entitlements(file: string): Record<string, unknown> {
  const text = readFileSync(join(ROOT, 'build', file), 'utf8');
  return plist.parse(text) as Record<string, unknown>;
}

const JIT_ONLY = {
  'com.apple.security.cs.allow-jit': true,
  'com.apple.security.cs.allow-unsigned-executable-memory': true,
};

describe('macOS signing config', () => {
  it('has entitlements that parse, for the app and (its own file) for the helpers', () => {
    const config = configWith({});
    expect(config.mac).toMatchObject({
      hardenedRuntime: true,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.inherit.plist',
    });
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit]) expect(existsSync(join(ROOT, String(file)))).toBe(true);
    expect(config.mac?.entitlementsInherit).not.toBe(config.mac?.entitlements);
  });

  it('contains no Xcode variables such as $(AppIdentifierPrefix): electron-builder passes the file to codesign unexpanded', () => {
    for (const file of ['entitlements.mac.plist', 'entitlements.mac.inherit.plist']) {
      const text = readFileSync(join(ROOT, 'build', file), 'utf8');
      expect(text, file).not.toMatch(/\$\(|\$\{/);
      expect(JSON.stringify(entitlements(file)), file).not.toMatch(/\$\(|\$\{/);
    }
  });

  it("gives the helpers nothing but V8's JIT", () => {
    expect(entitlements('entitlements.mac.inherit.plist')).toEqual(JIT_ONLY);
  });

  it('gives the app the JIT and the webcredentials association for the relying party ID, and nothing else', () => {
    expect(entitlements('entitlements.mac.plist')).toEqual({
      ...JIT_ONLY,
      'com.apple.developer.associated-domains': [`webcredentials:${DEMO_RP_ID}`],
    });
  });

  it('takes the provisioning profile (which must grant the associated domain) from FIRSTKEY_MAC_PROVISIONING_PROFILE', () => {
    expect(configWith({}).mac?.provisioningProfile).toBeNull();
    expect(configWith({ FIRSTKEY_MAC_PROVISIONING_PROFILE: '/secure/FirstKey.provisionprofile' }).mac?.provisioningProfile).toBe(
      '/secure/FirstKey.provisionprofile',
    );
  });

  it.each([
    [{ APPLE_API_KEY: '/k.p8', APPLE_API_KEY_ID: 'ABC123', APPLE_API_ISSUER: 'issuer-uuid' }],
    [{ APPLE_ID: 'signer@corp.example', APPLE_APP_SPECIFIC_PASSWORD: 'abcd-efgh', APPLE_TEAM_ID: 'TEAM123456' }],
    [{ APPLE_KEYCHAIN: 'build.keychain', APPLE_KEYCHAIN_PROFILE: 'notary' }],
  ])("notarizes when one of electron-builder's credential sets is complete (%o)", (env) => {
    expect(signingFromEnv(env).mac.notarize).toBe(true);
  });

  it('does not notarize without credentials, and stops the build on a half-given set, naming what is missing', () => {
    expect(signingFromEnv({}).mac.notarize).toBe(false);
    expect(signingFromEnv({ APPLE_TEAM_ID: 'TEAM123456' }).mac.notarize).toBe(false);
    expect(() => signingFromEnv({ APPLE_API_KEY: '/k.p8' })).toThrow(/APPLE_API_KEY_ID.*also needs APPLE_API_KEY_ID, APPLE_API_ISSUER/);
    expect(() => signingFromEnv({ APPLE_ID: 'signer@corp.example', APPLE_TEAM_ID: 'T' })).toThrow(/APPLE_APP_SPECIFIC_PASSWORD/);
  });
});

describe('Signed updates: signing and feed configuration from the environment', () => {
  const validate = schemaValidator();

  it.each([
    ['nothing set (an unsigned local build)', {}],
    [
      'signtool with a publisher name and a feed',
      {
        FIRSTKEY_WIN_PUBLISHER_NAME: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH',
        FIRSTKEY_UPDATE_URL: 'https://updates.corp.example/firstkey/',
      },
    ],
    [
      'Azure Trusted Signing',
      {
        FIRSTKEY_WIN_PUBLISHER_NAME: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH',
        FIRSTKEY_AZURE_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net/',
        FIRSTKEY_AZURE_SIGNING_ACCOUNT: 'corp-signing',
        FIRSTKEY_AZURE_CERTIFICATE_PROFILE: 'firstkey-public',
      },
    ],
    [
      'a provisioning profile and notarization',
      { FIRSTKEY_MAC_PROVISIONING_PROFILE: '/p.provisionprofile', APPLE_API_KEY: 'k', APPLE_API_KEY_ID: 'i', APPLE_API_ISSUER: 'x' },
    ],
  ])("validates against electron-builder's schema with %s", (_name, env) => {
    const result = validate(configWith(env));
    expect(result.errors).toBe('No errors');
    expect(result.valid).toBe(true);
  });

  it('sets the Windows publisher name electron-updater checks, and never turns that check off', () => {
    const config = configWith({ FIRSTKEY_WIN_PUBLISHER_NAME: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH' });
    expect(config.win).toMatchObject({
      verifyUpdateCodeSignature: true,
      signtoolOptions: { publisherName: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH' },
    });
    expect(configWith({}).win?.verifyUpdateCodeSignature).toBe(true);
  });

  it('uses Azure Trusted Signing when its settings are given (credentials stay in AZURE_* for Azure tooling)', () => {
    const win = configWith({
      FIRSTKEY_WIN_PUBLISHER_NAME: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH',
      FIRSTKEY_AZURE_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net/',
      FIRSTKEY_AZURE_SIGNING_ACCOUNT: 'corp-signing',
      FIRSTKEY_AZURE_CERTIFICATE_PROFILE: 'firstkey-public',
      AZURE_CLIENT_SECRET: 'not-in-the-config',
    }).win;
    expect(win?.azureSignOptions).toEqual({
      publisherName: 'CN=Example Corp Ltd, O=Example Corp Ltd, C=CH',
      endpoint: 'https://weu.codesigning.azure.net/',
      codeSigningAccountName: 'corp-signing',
      certificateProfileName: 'firstkey-public',
    });
    expect(win).not.toHaveProperty('signtoolOptions');
    expect(JSON.stringify(win)).not.toContain('not-in-the-config');
  });

  it('stops a build whose publisher name is a bare common name: the app would never accept its updates', () => {
    expect(() => signingFromEnv({ FIRSTKEY_WIN_PUBLISHER_NAME: 'Example Corp Ltd' })).toThrow(
      /FIRSTKEY_WIN_PUBLISHER_NAME.*full subject DN/,
    );
  });

  it('stops a half-configured Azure build, naming the missing variables', () => {
    expect(() => signingFromEnv({ FIRSTKEY_AZURE_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net/' })).toThrow(
      /FIRSTKEY_AZURE_SIGNING_ACCOUNT.*FIRSTKEY_AZURE_CERTIFICATE_PROFILE, FIRSTKEY_WIN_PUBLISHER_NAME/,
    );
  });

  it('keeps certificates and passwords out of the config (electron-builder reads CSC_LINK / CSC_KEY_PASSWORD itself)', () => {
    const config = configWith({ CSC_LINK: '/secure/cert.p12', CSC_KEY_PASSWORD: 'hunter2', WIN_CSC_KEY_PASSWORD: 'hunter3' });
    expect(JSON.stringify(config)).not.toMatch(/hunter|cert\.p12/);
  });

  it('publishes a generic feed only from an https FIRSTKEY_UPDATE_URL', () => {
    expect(configWith({}).publish).toBeNull();
    expect(configWith({ FIRSTKEY_UPDATE_URL: 'https://updates.corp.example/firstkey/' }).publish).toEqual([
      { provider: 'generic', url: 'https://updates.corp.example/firstkey/' },
    ]);
    expect(() => signingFromEnv({ FIRSTKEY_UPDATE_URL: 'http://updates.corp.example/' })).toThrow(/^FIRSTKEY_UPDATE_URL: must be an https/);
    expect(() => signingFromEnv({ FIRSTKEY_UPDATE_URL: 'https://u:p@updates.corp.example/' })).toThrow(
      /^FIRSTKEY_UPDATE_URL: must not carry credentials/,
    );
    expect(() => signingFromEnv({ FIRSTKEY_UPDATE_URL: 'updates' })).toThrow(/^FIRSTKEY_UPDATE_URL: not a URL/);
  });

  it('builds the zip Squirrel.Mac updates from, next to the dmg', () => {
    expect(configWith({}).mac?.target).toEqual(['dmg', 'zip']);
  });
});

describe('Touch ID: the keychain group main uses is the one the signature grants', () => {
  const { keychainGroupOf, keychainMetadata } = require('../../build/keychain-group.cjs') as {
    keychainGroupOf: (plist: string) => string | null;
    keychainMetadata: (path: string) => Record<string, unknown>;
  };

  it('reads the first keychain-access-groups entry of an entitlements file', () => {
    const granted = `<plist><dict><key>keychain-access-groups</key>
      <array>
        <string>ABCDE12345.com.firstkey.enrol.webauthn</string>
        <string>ABCDE12345.other</string>
      </array></dict></plist>`;
    expect(keychainGroupOf(granted)).toBe('ABCDE12345.com.firstkey.enrol.webauthn');
    expect(keychainGroupOf('<plist><dict><key>com.apple.security.cs.allow-jit</key><true/></dict></plist>')).toBeNull();
  });

  it('ships no group (so no placeholder team id that would stop the app launching), and tells main none', () => {
    expect(Object.keys(entitlements('entitlements.mac.plist'))).not.toContain('keychain-access-groups');
    expect(keychainMetadata(join(ROOT, 'build', 'entitlements.mac.plist'))).toEqual({});
    expect(configWith({}).extraMetadata).toEqual({ desktopName: 'firstkey.desktop' });
  });
});
