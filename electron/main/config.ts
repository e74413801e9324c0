/**
 * The app's managed configuration: what an IT team sets (README "Configuration").
 * The pieces live in config/: the settings table, the schema, one reader per
 * place settings are kept, and the loader that applies precedence.
 */
import { AppConfig } from './config/schema.js';

export { AppConfig, appConfigSchema, type ConfigRules } from './config/schema.js';
export { AppConfigError, type AppConfigErrorCode, type AppConfigErrorReason } from './config/app-config-error.js';
export { loadAppConfig, precedence, type LoadAppConfigOptions } from './config/load.js';
export { platformConfigSources, type PlatformSourceOptions } from './config/platform-sources.js';
export type { ConfigSource, ConfigSourceKind } from './config/source.js';
export { SETTINGS, type Setting, type SettingKey } from './config/settings.js';

/**
 * @deprecated The environment alone, for index.ts until it calls loadAppConfig;
 * remove it then. It reads only FIRSTKEY_SERVER_URL, FIRSTKEY_ENROLMENT_ORIGIN and FIRSTKEY_KIOSK.
 */
export function appConfigFromEnv(env: NodeJS.ProcessEnv): AppConfig {
  const parsed = AppConfig.safeParse({
    serverUrl: env.FIRSTKEY_SERVER_URL,
    enrolmentOrigin: env.FIRSTKEY_ENROLMENT_ORIGIN,
    kiosk: env.FIRSTKEY_KIOSK === '1',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid app setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
