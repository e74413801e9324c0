import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import type { ServerConfig } from '../../server/config.js';
import { FirstKeyHarness } from './harness.js';

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screens');

async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(blocking, `axe violations on the ${name} screen`).toEqual([]);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
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
  /** Axe check (no serious or critical violation) and a saved screenshot of what the person sees now. */
  lookAt: async ({ page }, use, testInfo) => {
    await use((name) => checkScreen(page, testInfo, name));
  },
});

export { expect };
