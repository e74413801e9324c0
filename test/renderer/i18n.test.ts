import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import de from '../../renderer/src/i18n/locales/de.json';
import en from '../../renderer/src/i18n/locales/en.json';
import { pickLanguage } from '../../renderer/src/i18n';
import { SHOWN_CODES } from '../../renderer/src/store/failures';

type Tree = { [key: string]: string | Tree };

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('translations', () => {
  const english = new Set(keys(en));

  it('German has exactly the English keys, none empty', () => {
    expect(keys(de as Tree).sort()).toEqual([...english].sort());
    for (const key of keys(de)) expect(key.split('.').reduce<unknown>((t, k) => (t as Tree)[k], de)).not.toBe('');
  });

  it('every literal key the renderer asks for exists in English', () => {
    const used = sources('renderer/src').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)].map((m) => m[1] ?? ''),
    );
    expect(used.length).toBeGreaterThan(20);
    // A key asked with a count is found by i18next in its plural forms (key_one, key_other, ...).
    expect(used.filter((key) => !english.has(key) && !english.has(`${key}_other`))).toEqual([]);
  });

  it('every server refusal the store can show has words in both languages', () => {
    for (const code of SHOWN_CODES) {
      expect(english.has(`errors.api.${code}`), code).toBe(true);
    }
  });

  it('picks the first supported system language, else English', () => {
    expect(pickLanguage(['es-ES', 'de-AT', 'en-US'])).toBe('de');
    expect(pickLanguage(['fr-CH', 'en-US'])).toBe('fr');
    expect(pickLanguage(['ja-JP'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});
