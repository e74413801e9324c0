import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every catalogue a person can read, in every language we ship: the renderer's
// screens, main's own dialogs, the kiosk's printed page and the help-desk console. English is the
// reference; a plural key (name_one, name_other) counts as one message whose
// forms each language gives as its own plural rules ask (French adds _many).

type Tree = { [key: string]: string | Tree };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );
}

/** The keys a language must have: English's, with each plural message in that language's own categories. */
function expectedKeys(english: Tree, language: string): string[] {
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const keys = new Set<string>();
  for (const [key] of leaves(english)) {
    if (PLURAL.test(key)) for (const category of categories) keys.add(key.replace(PLURAL, `_${category}`));
    else keys.add(key);
  }
  return [...keys].sort();
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function catalogues(dir: string): Map<string, Tree> {
  return new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, name), 'utf8')) as Tree]),
  );
}

const PLACES = {
  'the screens': 'renderer/src/i18n/locales',
  'main’s dialogs': 'electron/main/i18n/locales',
  'the printed kiosk page': 'electron/main/kiosk/locales',
  'the help-desk console': 'console/src/i18n/locales',
};

describe('Languages: every language has every message', () => {
  for (const [place, dir] of Object.entries(PLACES)) {
    const all = catalogues(dir);
    const english = all.get('en') ?? {};

    it(`${place}: English, German and French are all there`, () => {
      expect([...all.keys()].sort()).toEqual(['de', 'en', 'fr']);
    });

    for (const [language, tree] of all) {
      if (language === 'en') continue;
      it(`${place} in ${language}: exactly English's keys (plurals in ${language}'s own forms), none empty, same placeholders`, () => {
        const own = new Map(leaves(tree));
        expect([...own.keys()].sort()).toEqual(expectedKeys(english, language));
        const englishText = new Map(leaves(english));
        for (const [key, text] of own) {
          expect(text.trim(), key).not.toBe('');
          const source = englishText.get(key) ?? englishText.get(key.replace(PLURAL, '_other')) ?? '';
          expect(placeholders(text), key).toEqual(placeholders(source));
        }
      });
    }
  }
});

describe('Languages: French reads as French', () => {
  const french = leaves(catalogues(PLACES['the screens']).get('fr') ?? {});

  it('typographic apostrophes, and no line break before : ; ? ! (a no-break space holds them to their word)', () => {
    for (const [key, text] of french) {
      expect(text, key).not.toMatch(/\p{L}'\p{L}/u);
      expect(text, key).not.toMatch(/ [:;?!]/);
    }
  });
});
