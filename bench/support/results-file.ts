import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

/**
 * Replaces one benchmark's section of bench/RESULTS.md, between its start and end markers, and
 * leaves the rest (the other benchmark's section, the hand-written summary) as it is. A section
 * not there yet is appended.
 */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- ${name}: start (written by the benchmark; edits here are overwritten) -->`;
  const end = `<!-- ${name}: end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS_FILE, next.trimStart());
}
