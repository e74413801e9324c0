import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../electron/main/config.js';

/** The README's managed-configuration table is what administrators copy from: it must name every setting the app reads, as the app reads it. */
describe('Managed configuration in the README', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### App: managed configuration'), readme.indexOf('### Policy: who may bind what'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));

  it('has one row per setting, with its JSON key, managed name and environment variable', () => {
    expect(rows).toHaveLength(SETTINGS.length);
    for (const setting of SETTINGS) {
      const row = rows.find((line) => line.startsWith(`| \`${setting.key}\` |`));
      expect(row, setting.key).toBeDefined();
      expect(row).toContain(`\`${setting.managedName}\``);
      expect(row).toContain(`\`${setting.env}\``);
    }
  });

  it('says which settings a person may change: only those the app lets them', () => {
    const changeable = SETTINGS.filter((s) => s.userMayChange).map((s) => s.key);
    expect(changeable).toEqual(['logLevel']);
    expect(section).toContain('may set only `logLevel`');
  });
});
