import { AppConfigError } from '../app-config-error.js';
import type { ConfigSource } from '../source.js';
import { SETTINGS, settingFor } from '../settings.js';

const TRUE_WORDS: ReadonlySet<string> = new Set(['1', 'true']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['0', 'false']);

/**
 * FIRSTKEY_* variables. An empty variable counts as unset (what `FOO= cmd` means
 * in a shell); any other value is read, and one that does not fit is an error.
 */
export function environmentSource(env: Readonly<Record<string, string | undefined>>): ConfigSource {
  return {
    name: 'environment',
    kind: 'environment',
    settingName: (key) => settingFor(key).env,
    read: () => {
      const values: Record<string, unknown> = {};
      for (const setting of SETTINGS) {
        const raw = env[setting.env];
        if (raw === undefined || raw === '') continue;
        if (setting.kind === 'boolean') {
          const word = raw.trim().toLowerCase();
          if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) {
            throw new AppConfigError(setting.env, 'environment', { code: 'wrong_type', detail: 'must be 1 or 0 (or true or false)' });
          }
          values[setting.key] = TRUE_WORDS.has(word);
        } else if (setting.kind === 'certificates') {
          values[setting.key] = [raw];
        } else {
          values[setting.key] = raw;
        }
      }
      return Promise.resolve(values);
    },
  };
}
