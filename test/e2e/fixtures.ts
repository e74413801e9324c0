import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import type { ServerConfig } from '../../server/config.js';
import { FirstKeyHarness } from './harness.js';
import { findOverflow, weakBoundaries } from './screen-checks.js';

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screens');

/** The languages every screen is photographed in, and the pseudo-locale every screen must fit in. */
export const SCREEN_LANGUAGES = ['en', 'de', 'fr'] as const;
export const PSEUDO_LANGUAGE = 'en-XA';
/** The window's minimum width (electron/main/window.ts) and a wide desktop window. */
export const SCREEN_WIDTHS = [480, 1280] as const;

/**
 * Shows the screen in another language the way the system would ask for it: the browser's
 * preferred languages change and it says so ('languagechange'), and the app follows. The
 * system's own languages stay behind the asked one, so dates keep the system's region.
 */
async function showIn(page: Page, language: string): Promise<void> {
  await page.evaluate((lang) => {
    const own = Object.getPrototypeOf(navigator) as Navigator;
    const system = Object.getOwnPropertyDescriptor(own, 'languages')?.get?.call(navigator) as readonly string[];
    Object.defineProperty(navigator, 'languages', { configurable: true, get: () => [lang, ...system] });
    window.dispatchEvent(new Event('languagechange'));
  }, language);
  await expect(page.locator('html')).toHaveAttribute('lang', language);
}

/** Back to the system's own languages, with the app in the language it showed before. */
async function restoreLanguage(page: Page, language: string): Promise<void> {
  await showIn(page, language);
  await page.evaluate(() => Reflect.deleteProperty(navigator, 'languages'));
}

async function sized(page: Page, width: number): Promise<void> {
  const height = page.viewportSize()?.height ?? 800;
  await page.setViewportSize({ width, height });
}

async function photograph(page: Page, lang: string, width: number, name: string): Promise<void> {
  const dir = join(SCREENSHOT_DIR, lang, String(width));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** lookAt for a page other than the fixture's (a second computer's window). */
export async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(blocking, `axe violations on the ${name} screen`).toEqual([]);
  expect(await page.evaluate(weakBoundaries), `control borders below 3:1 on the ${name} screen`).toEqual([]);

  const started = performance.now();
  const language = (await page.locator('html').getAttribute('lang')) ?? 'en';
  const viewport = page.viewportSize() ?? { width: 760, height: 800 };
  try {
    // One window width at a time (a resize costs more than a language switch). At the narrowest, first the
    // pseudo-locale, about 40% longer than English, then each language: what does not fit shows here.
    const [narrow, wide] = SCREEN_WIDTHS;
    await sized(page, narrow);
    for (const lang of [PSEUDO_LANGUAGE, ...SCREEN_LANGUAGES]) {
      await showIn(page, lang);
      expect(await page.evaluate(findOverflow), `text that does not fit on the ${name} screen (${lang}, ${narrow} px)`).toEqual([]);
      if (lang !== PSEUDO_LANGUAGE) await photograph(page, lang, narrow, name);
    }
    await sized(page, wide);
    for (const lang of SCREEN_LANGUAGES) {
      await showIn(page, lang);
      await photograph(page, lang, wide, name);
    }
  } finally {
    await restoreLanguage(page, language);
    await page.setViewportSize(viewport);
  }
  // What the languages, widths and fit checks cost, per screen, for the suite's timing (README).
  appendFileSync(join(SCREENSHOT_DIR, 'timings.jsonl'), `${JSON.stringify({ name, ms: Math.round(performance.now() - started) })}\n`);
  const path = join(SCREENSHOT_DIR, language, String(SCREEN_WIDTHS[0]), `${name}.png`);
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

export const test = base.extend<{
  /** Server settings for the spec's server (test.use({ serverSettings: ... })); the defaults otherwise. */
  serverSettings: Partial<ServerConfig>;
  fk: FirstKeyHarness;
  lookAt: (name: string) => Promise<void>;
}>({
  serverSettings: [{}, { option: true }],
  fk: async ({ context, page, serverSettings }, use) => {
    const harness = new FirstKeyHarness();
    await harness.start(serverSettings);
    await harness.attach(context, page);
    await use(harness);
    await harness.stop();
  },
  /**
   * What the person sees now, checked: axe (no serious or critical violation), control borders at 3:1,
   * nothing cut off or spilling over at 480 px in the pseudo-locale and in each language, and a
   * screenshot per language and width (test-results/screens/<lang>/<width>/<name>.png). The page's
   * language and size are put back afterwards.
   */
  lookAt: async ({ page }, use, testInfo) => {
    await use((name) => checkScreen(page, testInfo, name));
  },
});

export { expect };
