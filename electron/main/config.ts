/**
 * The app's managed configuration: what an IT team sets (README "Configuration").
 * The pieces live in config/: the settings table, the schema, one reader per
 * place settings are kept, and the loader that applies precedence.
 */
export { AppConfig, appConfigSchema, type ConfigRules } from './config/schema.js';
export { AppConfigError, type AppConfigErrorCode, type AppConfigErrorReason } from './config/app-config-error.js';
export { loadAppConfig, precedence, type LoadAppConfigOptions } from './config/load.js';
export { platformConfigSources, type PlatformSourceOptions } from './config/platform-sources.js';
export type { ConfigSource, ConfigSourceKind } from './config/source.js';
export { SETTINGS, type Setting, type SettingKey } from './config/settings.js';
