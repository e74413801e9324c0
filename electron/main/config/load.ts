import { homedir, userInfo } from 'node:os';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { AppConfigError } from './app-config-error.js';
import { platformConfigSources } from './platform-sources.js';
import { appConfigSchema, issueReason, settingSchemas, type AppConfig } from './schema.js';
import { isSettingKey, settingFor, SETTING_KEYS, type SettingKey } from './settings.js';
import type { ConfigSource, ConfigSourceKind } from './source.js';

export interface LoadAppConfigOptions {
  /** app.isPackaged: an installed app. */
  readonly packaged: boolean;
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where to read; by default the platform's places (platformConfigSources). */
  readonly sources?: readonly ConfigSource[];
  /** Refusals are logged here as `config.invalid` before they are thrown. */
  readonly log?: Logger;
}

/**
 * Which kind of source wins when two set the same setting. An installed app
 * follows the administrator: policy, then the person's own settings, then the
 * environment. A development run (not packaged) follows the developer: the
 * environment first, so `FIRSTKEY_SERVER_URL=... npm start` works on a laptop
 * that company policy also configures.
 */
export function precedence(packaged: boolean): readonly ConfigSourceKind[] {
  return packaged ? ['policy', 'user', 'environment'] : ['environment', 'policy', 'user'];
}

/**
 * The app's configuration from every source, or an AppConfigError naming the first
 * bad value. Every value of every source is checked, including values another
 * source overrides: a bad value is never ignored.
 */
export async function loadAppConfig(options: LoadAppConfigOptions): Promise<AppConfig> {
  try {
    return await load(options);
  } catch (error) {
    if (error instanceof AppConfigError) {
      options.log?.error('config.invalid', {
        setting: error.setting,
        source: error.source,
        reason: error.reason.code,
        message: error.reason.detail,
      });
    }
    throw error;
  }
}

interface Reading {
  readonly source: ConfigSource;
  readonly values: ReadonlyMap<SettingKey, unknown>;
}

async function load({ packaged, platform, env, sources, log }: LoadAppConfigOptions): Promise<AppConfig> {
  const chosen = sources ?? platformConfigSources({ platform, env, homeDir: homedir(), userName: userInfo().username });
  const schemas: Readonly<Record<SettingKey, z.ZodType>> = settingSchemas({ packaged });
  const readings: Reading[] = [];
  for (const source of chosen) {
    readings.push({ source, values: checkSource(source, await readSource(source), schemas, packaged) });
  }

  const order = precedence(packaged);
  const ranked = [...readings].sort((a, b) => order.indexOf(a.source.kind) - order.indexOf(b.source.kind));
  const winner = (key: SettingKey) => ranked.find((reading) => reading.values.has(key));

  if (packaged && !winner('serverUrl')) {
    const where = ranked.find((reading) => reading.source.kind === 'policy')?.source;
    throw new AppConfigError(where?.settingName('serverUrl') ?? 'serverUrl', where?.name ?? 'policy', {
      code: 'missing',
      detail: 'must be set by policy in an installed app (it has no default server)',
    });
  }
  const updates = winner('updates.enabled');
  if (updates?.values.get('updates.enabled') === true && !winner('updates.feedUrl')) {
    throw new AppConfigError(updates.source.settingName('updates.feedUrl'), updates.source.name, {
      code: 'missing',
      detail: `must be set when ${updates.source.settingName('updates.enabled')} turns updates on`,
    });
  }

  const chosenValue = (key: SettingKey) => winner(key)?.values.get(key);
  const config = appConfigSchema({ packaged }).parse({
    serverUrl: chosenValue('serverUrl'),
    enrolmentOrigin: chosenValue('enrolmentOrigin'),
    kiosk: chosenValue('kiosk'),
    updates: { enabled: chosenValue('updates.enabled'), feedUrl: chosenValue('updates.feedUrl') },
    extraCaCertificates: chosenValue('extraCaCertificates'),
    logLevel: chosenValue('logLevel'),
    helpDeskContact: chosenValue('helpDeskContact'),
  });
  log?.info('config.loaded', { packaged, kiosk: config.kiosk, count: SETTING_KEYS.filter((key) => winner(key)).length });
  return config;
}

async function readSource(source: ConfigSource): Promise<Record<string, unknown>> {
  try {
    return await source.read();
  } catch (error) {
    if (error instanceof AppConfigError) throw error;
    throw new AppConfigError(source.name, source.name, { code: 'unreadable', detail: `cannot be read (${(error as Error).message})` });
  }
}

function checkSource(
  source: ConfigSource,
  raw: Record<string, unknown>,
  schemas: Readonly<Record<SettingKey, z.ZodType>>,
  packaged: boolean,
): Map<SettingKey, unknown> {
  const values = new Map<SettingKey, unknown>();
  for (const [key, value] of Object.entries(raw)) {
    if (!isSettingKey(key)) {
      throw new AppConfigError(key, source.name, { code: 'unknown_setting', detail: 'is not a setting the app knows' });
    }
    if (value === undefined) continue;
    const name = source.settingName(key);
    // Kiosk mode, the server, trusted CAs, the update feed: never the person's (or malware's) choice in an installed app.
    if (packaged && source.kind !== 'policy' && !settingFor(key).userMayChange) {
      throw new AppConfigError(name, source.name, {
        code: 'policy_only',
        detail: "only an administrator's policy may set this in an installed app",
      });
    }
    const parsed = schemas[key].safeParse(value);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      throw new AppConfigError(name, source.name, issue ? issueReason(issue) : { code: 'invalid_value', detail: 'is not valid' });
    }
    values.set(key, parsed.data);
  }
  return values;
}
