import { CHECKED, serverAgent } from '../support/deciding-agents.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { actionsSoFar, claimedActions, countActions, total } from './actions.js';
import { expect, test } from './fixtures.js';
import { present, type FirstKeyHarness } from './harness.js';
import { askForApproval, findComputer, oldComputerWithPasskey } from './journey.js';

/**
 * Issue 14, "Fewer deliberate actions": every journey walked as a person would, counting what they
 * do. The counts must equal the table in bench/RESULTS.md, and the README's claim must equal the
 * passkey row, so neither can drift from the app.
 */

async function expectClaimed(page: Page, testInfo: TestInfo, journey: string): Promise<number> {
  const log = await actionsSoFar(page);
  await testInfo.attach(`actions: ${journey}`, { body: JSON.stringify(log, null, 2), contentType: 'application/json' });
  const claimed = present(claimedActions().get(journey), `a row "${journey}" in bench/RESULTS.md`);
  expect(total(log), `${journey}: ${JSON.stringify(log)}`).toBe(claimed);
  return total(log);
}

async function saveCodes(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
  await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
}

async function typeCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** A first enrolment with a passkey, as counted: the code, "This is me", the touch, the codes kept. Returns the codes. */
async function enrolPasskey(page: Page, fk: FirstKeyHarness): Promise<string[]> {
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(page);
  await typeCode(page, await fk.issueCode());
  await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  await saveCodes(page);
  return codes;
}

/** A new computer with its own passkey authenticator: the app starts afresh there, and the count with it. */
async function onNewComputer(page: Page, fk: FirstKeyHarness): Promise<void> {
  await countActions(page);
  await fk.moveTo(page, fk.newDevice());
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(page);
}

test.describe('Fewer deliberate actions', () => {
  test('a passkey takes at most 4, and the README says how many', async ({ page, fk }, testInfo) => {
    await countActions(page);
    await enrolPasskey(page, fk);
    const counted = await expectClaimed(page, testInfo, 'Passkey');
    expect(counted).toBeLessThanOrEqual(4);
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six'];
    expect(readme).toContain(`in ${words[counted] ?? String(counted)} deliberate actions`);
  });

  test('a security key on a computer that cannot make a passkey', async ({ page, fk }, testInfo) => {
    await countActions(page);
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await typeCode(page, await fk.issueCode());
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await saveCodes(page);
    await expectClaimed(page, testInfo, 'Security key');
  });

  test('a security key where this computer could also make a passkey: choosing it is one more', async ({ page, fk }, testInfo) => {
    await countActions(page);
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.addAuthenticator({ transport: 'usb', alongside: true });
    await fk.open(page);
    await typeCode(page, await fk.issueCode());
    await page.getByRole('radio', { name: /A security key/ }).check();
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await saveCodes(page);
    await expectClaimed(page, testInfo, 'Security key, where a passkey is also offered');
  });

  test('a security key with a PIN (a contractor: user verification required)', async ({ page, fk }, testInfo) => {
    await countActions(page);
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await typeCode(page, await fk.issueCode('carl.contract'));
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await saveCodes(page);
    await expectClaimed(page, testInfo, 'Security key with PIN');
  });

  test('a recovery code, after losing the only key', async ({ page, fk }, testInfo) => {
    const [code] = await enrolPasskey(page, fk);
    await onNewComputer(page, fk);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByLabel('Recovery code').fill(present(code, 'a recovery code'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    await saveCodes(page);
    await expectClaimed(page, testInfo, 'Recovery code');
  });

  test('the help desk, with no key and no recovery codes', async ({ page, fk }, testInfo) => {
    await enrolPasskey(page, fk);
    await onNewComputer(page, fk);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Waiting for your help desk' })).toBeVisible();
    const request = present((await fk.server.services.helpdesk.list())[0], 'a filed help-desk request');
    const approval = await fk.server.services.helpdesk.approve(request.id, 'ada.new', await serverAgent(fk.server, 'agent.smith'), CHECKED);
    await page.getByLabel('Code from the help desk').fill(present(approval.code, 'the approval code'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    await saveCodes(page);
    await expectClaimed(page, testInfo, 'Help desk');
  });

  test('a backup key from the last screen of an enrolment', async ({ page, fk }, testInfo) => {
    await countActions(page);
    await enrolPasskey(page, fk);
    const enrolled = total(await actionsSoFar(page));

    await fk.addAuthenticator({ transport: 'usb', alongside: true });
    await page.getByRole('button', { name: 'Add a backup key now' }).click();
    await expect(page.getByRole('list', { name: 'Registered' }).getByRole('listitem')).toHaveCount(2);
    const log = await actionsSoFar(page);
    await testInfo.attach('actions: backup key', { body: JSON.stringify(log, null, 2), contentType: 'application/json' });
    const claimed = present(claimedActions().get('Backup key, from the last screen'), 'a backup-key row in bench/RESULTS.md');
    expect(total(log) - enrolled).toBe(claimed);
  });

  test('a new computer approved from the old one: both computers counted', async ({ browser, page, fk }, testInfo) => {
    await countActions(page);
    await fk.addAuthenticator({ transport: 'internal' });
    const { context, old } = await oldComputerWithPasskey(browser, fk);
    try {
      await countActions(old);
      // The old computer's app, opened afresh on its start screen.
      await old.reload();
      await fk.open(page);
      const code = await askForApproval(page);
      await old.getByRole('button', { name: 'Manage my sign-in keys' }).click();
      await old.getByLabel('Username').fill('ada.new');
      await old.getByRole('button', { name: 'Use my key' }).click();
      await expect(old.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
      await findComputer(old, code);
      await old.getByRole('button', { name: 'Yes, this is my new computer' }).click();
      await page.getByRole('button', { name: 'Create a passkey on this computer' }).click();
      await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
      const logs = [await actionsSoFar(page), await actionsSoFar(old)];
      await testInfo.attach('actions: new computer by approval', { body: JSON.stringify(logs, null, 2), contentType: 'application/json' });
      const claimed = present(claimedActions().get('New computer by approval'), 'a row in bench/RESULTS.md');
      expect(logs.reduce((sum, log) => sum + total(log), 0)).toBe(claimed);
    } finally {
      await context.close();
    }
  });
});
