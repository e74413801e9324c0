// Pseudo-localisation: English made about 40% longer and accented, so a screen
// that only fits English, or a string that skipped translation, shows at once.
// The tag is Chromium's own pseudo locale; a system set to it gets this language.

export const PSEUDO_LANGUAGE = 'en-XA';

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTS = Array.from('àƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ');
const ACCENTED = new Map(Array.from(PLAIN, (letter, i) => [letter, ACCENTS[i] ?? letter]));

// Placeholders ({{name}}, {{count, number}}) and nesting ($t(key)) must reach i18next unchanged.
const KEPT = /(\{\{[^}]*\}\}|\$t\([^)]*\))/;

/** Room for the words other languages need, about 40% more: short runs of ~, so a line can still break between them. */
function padding(length: number): string {
  const wanted = Math.max(1, Math.round(length * 0.4) - 3);
  const chars = Array.from({ length: wanted }, (_, i) => (i % 6 === 5 && i < wanted - 1 ? ' ' : '~'));
  return chars.join('');
}

export function pseudoString(text: string): string {
  const accented = text
    .split(KEPT)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[A-Za-z]/g, (letter) => ACCENTED.get(letter) ?? letter)))
    .join('');
  return `[${accented} ${padding(text.length)}]`;
}

type Catalogue = { [key: string]: string | Catalogue };

/** The whole catalogue, pseudo-localised; keys (and so plural forms) stay as they are. */
export function pseudoCatalogue(catalogue: Catalogue): Catalogue {
  return Object.fromEntries(
    Object.entries(catalogue).map(([key, value]) => [key, typeof value === 'string' ? pseudoString(value) : pseudoCatalogue(value)]),
  );
}
