import { checkScreen, expect, test } from './fixtures.js';
import { AgentBrowser, CONSOLE_ORIGIN } from './console-harness.js';

test('the console is served at /console/ with a CSP that allows no inline script and no other origin', async ({
  browser,
  fk,
}, testInfo) => {
  const agent = await AgentBrowser.open(browser, fk);
  const response = await agent.page.goto(`${CONSOLE_ORIGIN}/console/`);
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).toContain("connect-src 'self'");
  expect(headers['content-security-policy']).not.toContain('unsafe-inline');
  expect(headers['cache-control']).toBe('no-store');
  await expect(agent.page.getByRole('heading', { name: 'Sign in to the help desk' })).toBeVisible();
  // Nothing from the page ran inline: the CSP would have refused it and said so.
  const refused: string[] = [];
  agent.page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) refused.push(m.text());
  });
  await agent.page.reload();
  await expect(agent.page.getByRole('heading', { name: 'Sign in to the help desk' })).toBeVisible();
  expect(refused).toEqual([]);
  await checkScreen(agent.page, testInfo, 'console-1-sign-in');
  await agent.close();
});
