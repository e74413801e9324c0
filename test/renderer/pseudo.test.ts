import { describe, expect, it } from 'vitest';
import en from '../../renderer/src/i18n/locales/en.json';
import { createI18n, pickLanguage, PSEUDO_LANGUAGE } from '../../renderer/src/i18n';
import { pseudoCatalogue, pseudoString } from '../../renderer/src/i18n/pseudo';

type Tree = { [key: string]: string | Tree };
const leaves = (tree: Tree, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );

describe('Languages: the pseudo-locale that finds what does not fit', () => {
  it('accents every letter, brackets the text and keeps it readable', () => {
    expect(pseudoString('Save your recovery codes')).toMatch(/^\[Šàṽé ýöûŕ ŕéçöṽéŕý çöðéš [~ ]+\]$/);
  });

  it('makes every string about 40% longer, short or long', () => {
    for (const [key, text] of leaves(en)) {
      const grown = Array.from(pseudoString(text)).length / Array.from(text).length;
      expect(grown, key).toBeGreaterThanOrEqual(text.length < 10 ? 1.4 : 1.35);
      expect(grown, key).toBeLessThanOrEqual(text.length < 10 ? 4 : 1.5);
    }
  });

  it('pads in short runs, so a long sentence can still break into lines', () => {
    expect(pseudoString('x'.repeat(200))).not.toMatch(/~{6}/);
  });

  it('keeps interpolation placeholders and nesting exactly', () => {
    const text = pseudoString('Wait {{count}} seconds, {{name}}: $t(app.name) {{date, datetime}}');
    expect(text).toContain('{{count}}');
    expect(text).toContain('{{name}}');
    expect(text).toContain('$t(app.name)');
    expect(text).toContain('{{date, datetime}}');
  });

  it('has every English key, every text changed', () => {
    const pseudo = new Map(leaves(pseudoCatalogue(en)));
    for (const [key, text] of leaves(en)) {
      expect(pseudo.get(key), key).toBeDefined();
      expect(pseudo.get(key), key).not.toBe(text);
    }
  });

  it('a system set to en-XA gets it, and i18next fills its placeholders and plurals', async () => {
    expect(pickLanguage(['en-XA', 'en-GB'])).toBe(PSEUDO_LANGUAGE);
    const i18n = await createI18n(PSEUDO_LANGUAGE);
    expect(i18n.t('errors.api.rate_limited_seconds', { count: 1 })).toMatch(/^\[.* 1 šéçöñð, .* [~ ]+\]$/);
    expect(i18n.t('errors.api.rate_limited_seconds', { count: 5 })).toContain('5 šéçöñðš');
    expect(i18n.t('done.body', { name: 'Ada Lovelace' })).toContain('Ada Lovelace');
  });
});
