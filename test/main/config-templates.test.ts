// Issue 10, "Managed configuration": the templates in build/managed/ are the ones
// administrators deploy, so each is read the way its tool reads it (the ADMX and ADML
// as XML, the profile as a plist) and checked against the app's own settings table;
// what each writes is fed back through the app's reader and schema.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { AppConfig, loadAppConfig, SETTINGS, type ConfigSource } from '../../electron/main/config.js';
import { jsonFileSource } from '../../electron/main/config/sources/json-file.js';
import { isDict, valuesFromPreferences } from '../../electron/main/config/sources/managed-preferences.js';
import { parsePlistXml, type PlistValue } from '../../electron/main/config/sources/plist-xml.js';
import { parseRegFile } from '../../electron/main/config/sources/reg-file.js';
import { registrySource } from '../../electron/main/config/sources/windows-registry.js';
import { LOG_LEVELS } from '../../electron/main/log/logger.js';

const MANAGED = fileURLToPath(new URL('../../build/managed/', import.meta.url));
const GPO_NAMESPACE = 'http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions';
const POLICY_KEY = 'Software\\Policies\\FirstKey';

/** A strict XML parse: any well-formedness error or warning fails the test. */
function parseXml(text: string): Document {
  const problems: string[] = [];
  const document = new DOMParser({
    errorHandler: {
      warning: (message: string) => problems.push(message),
      error: (message: string) => problems.push(message),
      fatalError: (message: string) => problems.push(message),
    },
  }).parseFromString(text, 'text/xml');
  expect(problems).toEqual([]);
  return document;
}

const elements = (node: Document | Element, name: string): Element[] => Array.from(node.getElementsByTagNameNS(GPO_NAMESPACE, name));
const children = (node: Element, name: string): Element[] =>
  Array.from(node.childNodes).filter((child): child is Element => child.nodeType === 1 && (child as Element).localName === name);
const attribute = (node: Element, name: string): string => node.getAttribute(name) ?? '';

const admxText = await readFile(`${MANAGED}firstkey.admx`, 'utf8');
const admx = parseXml(admxText);
const adml = parseXml(await readFile(`${MANAGED}en-US/firstkey.adml`, 'utf8'));
const policies = elements(admx, 'policy');

/** The registry value a policy writes: its own valueName (on/off policies) or its element's. */
function valueNames(policy: Element): string[] {
  const own = attribute(policy, 'valueName');
  const fromElements = ['text', 'multiText', 'enum', 'decimal', 'boolean']
    .flatMap((name) => elements(policy, name))
    .map((element) => attribute(element, 'valueName'));
  return [own, ...fromElements].filter(Boolean);
}

describe('Managed configuration: the ADMX/ADML template', () => {
  it('is a policyDefinitions document in the Group Policy namespace, and its ADML a policyDefinitionResources', () => {
    expect(admx.documentElement.localName).toBe('policyDefinitions');
    expect(admx.documentElement.namespaceURI).toBe(GPO_NAMESPACE);
    expect(adml.documentElement.localName).toBe('policyDefinitionResources');
    expect(adml.documentElement.namespaceURI).toBe(GPO_NAMESPACE);
    // Well-formedness the parser above lets through: XML forbids -- inside a comment.
    for (const comment of admxText.match(/<!--[\s\S]*?-->/g) ?? []) expect(comment.slice(4, -3)).not.toContain('--');
  });

  it('has one policy for every setting, writing its value name under Software\\Policies\\FirstKey, and none for a setting the app lacks', () => {
    const written = policies.flatMap((policy) => {
      expect(attribute(policy, 'key')).toBe(POLICY_KEY);
      return valueNames(policy);
    });
    expect(written.sort()).toEqual(SETTINGS.map((setting) => setting.managedName).sort());
  });

  it('writes each value as the registry reader expects it: on/off as REG_DWORD 1/0, lists as REG_MULTI_SZ, log levels as the app’s', () => {
    for (const setting of SETTINGS) {
      const policy = policies.find((candidate) => valueNames(candidate).includes(setting.managedName))!;
      if (setting.kind === 'boolean') {
        expect(
          elements(policy, 'enabledValue')
            .flatMap((node) => elements(node, 'decimal'))
            .map((node) => attribute(node, 'value')),
        ).toEqual(['1']);
        expect(
          elements(policy, 'disabledValue')
            .flatMap((node) => elements(node, 'decimal'))
            .map((node) => attribute(node, 'value')),
        ).toEqual(['0']);
      } else if (setting.kind === 'certificates') {
        expect(elements(policy, 'multiText')).toHaveLength(1);
      } else if (setting.kind === 'logLevel') {
        expect(elements(policy, 'item').map((item) => elements(item, 'string')[0]?.textContent)).toEqual([
          'error',
          'warn',
          'info',
          'debug',
        ]);
        expect([...LOG_LEVELS].sort()).toEqual(['debug', 'error', 'info', 'warn']);
      } else {
        expect(elements(policy, 'text')).toHaveLength(1);
      }
    }
  });

  it('lets users be targeted only for the settings a person may change (LogLevel); everything else is a computer policy', () => {
    for (const setting of SETTINGS) {
      const policy = policies.find((candidate) => valueNames(candidate).includes(setting.managedName))!;
      expect([setting.managedName, attribute(policy, 'class')]).toEqual([setting.managedName, setting.userMayChange ? 'Both' : 'Machine']);
    }
  });

  it('has a string in the ADML for every $(string.…) and a presentation for every $(presentation.…), and each element’s control', () => {
    const strings = new Set(elements(adml, 'string').map((node) => attribute(node, 'id')));
    const presentations = new Map(elements(adml, 'presentation').map((node) => [attribute(node, 'id'), node]));
    const referenced = [...admxText.matchAll(/\$\((string|presentation)\.([A-Za-z0-9_]+)\)/g)];
    expect(referenced.length).toBeGreaterThan(SETTINGS.length * 2);
    for (const [, table, id = ''] of referenced) {
      if (table === 'string') expect(strings, id).toContain(id);
      else expect(presentations.has(id), id).toBe(true);
    }
    for (const policy of policies) {
      const presentation = presentations.get(attribute(policy, 'presentation').replace(/^\$\(presentation\.|\)$/g, ''));
      const controls = presentation
        ? Array.from(presentation.getElementsByTagNameNS(GPO_NAMESPACE, '*'))
            .map((node) => attribute(node, 'refId'))
            .filter(Boolean)
        : [];
      const ids = ['text', 'multiText', 'enum'].flatMap((name) => elements(policy, name)).map((node) => attribute(node, 'id'));
      expect(controls.sort(), attribute(policy, 'name')).toEqual(ids.sort());
    }
  });

  it('every category and supportedOn a policy names is defined', () => {
    const categories = new Set(elements(admx, 'category').map((node) => attribute(node, 'name')));
    const supported = new Set(elements(admx, 'definition').map((node) => attribute(node, 'name')));
    for (const policy of policies) {
      expect(categories).toContain(attribute(children(policy, 'parentCategory')[0]!, 'ref'));
      expect(supported).toContain(attribute(children(policy, 'supportedOn')[0]!, 'ref'));
    }
  });

  it('what the policies write, with example values, is read back by the registry reader into a valid installed-app configuration', async () => {
    const examples: Record<string, string> = {
      ServerUrl: '"ServerUrl"="https://firstkey-api.corp.example"',
      EnrolmentOrigin: '"EnrolmentOrigin"="https://enrol.corp.example"',
      Kiosk: '"Kiosk"=dword:00000001',
      HelpDeskContact: '"HelpDeskContact"="IT Service Desk: extension 4242"',
      LogLevel: '"LogLevel"="debug"',
      ExtraCaCertificates: `"ExtraCaCertificates"=hex(7):${multiSz((await readFile(fileURLToPath(new URL('../fixtures/managed-config/inspection-root.pem', import.meta.url)), 'utf8')).trim().split('\n'))}`,
      UpdatesEnabled: '"UpdatesEnabled"=dword:00000001',
      UpdatesFeedUrl: '"UpdatesFeedUrl"="https://updates.corp.example/firstkey/"',
    };
    const lines = policies.flatMap(valueNames).map((name) => examples[name]);
    expect(lines.every(Boolean)).toBe(true);
    const exported = ['Windows Registry Editor Version 5.00', '', `[HKEY_LOCAL_MACHINE\\${POLICY_KEY}]`, ...lines, ''].join('\r\n');
    const source = registrySource({ key: `HKLM\\${POLICY_KEY}`, kind: 'policy', readKey: async () => parseRegFile(exported) });
    const config = await loadAppConfig({ packaged: true, platform: 'win32', env: {}, sources: [source] });
    expect(config).toMatchObject({ kiosk: true, logLevel: 'debug', updates: { enabled: true } });
    expect(config.extraCaCertificates).toHaveLength(1);
  });
});

function multiSz(strings: string[]): string {
  return [...Buffer.from(`${strings.join('\0')}\0\0`, 'utf16le')].map((byte) => byte.toString(16).padStart(2, '0')).join(',');
}

describe('Managed configuration: the macOS configuration profile example', () => {
  it('is a Configuration profile with a com.apple.ManagedClient.preferences payload for com.firstkey.enrol whose settings pass the schema', async () => {
    const profile = parsePlistXml(await readFile(`${MANAGED}com.firstkey.enrol.mobileconfig`, 'utf8'));
    const dict = (value: PlistValue | undefined) => {
      if (value === undefined || !isDict(value)) throw new Error('expected a <dict>');
      return value;
    };
    const outer = dict(profile);
    expect(outer.PayloadType).toBe('Configuration');
    const payloads = outer.PayloadContent as PlistValue[];
    expect(payloads).toHaveLength(1);
    const payload = dict(payloads[0]);
    expect(payload.PayloadType).toBe('com.apple.ManagedClient.preferences');
    expect(payload.PayloadUUID).not.toBe(outer.PayloadUUID);
    const forced = dict(dict(payload.PayloadContent)['com.firstkey.enrol']).Forced as PlistValue[];
    const settings = dict(dict(forced[0]).mcx_preference_settings);
    expect(Object.keys(settings).sort()).toEqual(SETTINGS.map((setting) => setting.managedName).sort());

    const source: ConfigSource = {
      name: 'mobileconfig',
      kind: 'policy',
      settingName: (key) => key,
      read: async () => valuesFromPreferences(settings, 'mobileconfig'),
    };
    expect(await loadAppConfig({ packaged: true, platform: 'darwin', env: {}, sources: [source] })).toMatchObject({
      serverUrl: 'https://firstkey-api.corp.example',
      updates: { enabled: true, feedUrl: 'https://updates.corp.example/firstkey/' },
    });
  });
});

describe('Managed configuration: the Linux example', () => {
  it('sets every setting, passes the schema as it is, and loads as /etc/firstkey/config.json in an installed app', async () => {
    const path = `${MANAGED}linux-config.example.json`;
    const example = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(AppConfig.safeParse(example).success).toBe(true);
    const keys = Object.entries(example).flatMap(([name, value]) =>
      name === 'updates' ? Object.keys(value as object).map((inner) => `updates.${inner}`) : [name],
    );
    expect(keys.sort()).toEqual(SETTINGS.map((setting) => setting.key).sort());
    const config = await loadAppConfig({ packaged: true, platform: 'linux', env: {}, sources: [jsonFileSource({ path, kind: 'policy' })] });
    expect(config.serverUrl).toBe('https://firstkey-api.corp.example');
  });
});
