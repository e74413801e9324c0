import { checkScreen, expect, test } from './fixtures.js';
import { present, type FirstKeyHarness } from './harness.js';
import { askForApproval, findComputer, oldComputerWithPasskey, openMySecurity } from './journey.js';

/**
 * Issue 14, "A passkey-only person with a new computer has no good path": two computers, two
 * installations with their own device keys and their own platform authenticators. The old one
 * holds the person's passkey; the new one (the fixture's page, so its screens are checked and
 * photographed) asks to be approved from it.
 */

test.describe('a new computer, approved from the old one', () => {
  test('the old computer signs in with its passkey and approves the code; the new one carries on to its own passkey', async ({
    browser,
    page,
    fk,
    lookAt,
  }, testInfo) => {
    // The new computer's own platform authenticator, before the old computer's window takes the harness's attention.
    await fk.addAuthenticator({ transport: 'internal' });
    const { context, old } = await oldComputerWithPasskey(browser, fk);
    try {
      await fk.open(page);
      await page.getByRole('button', { name: 'I have a new computer and my old one is with me' }).click();
      await lookAt('new-computer-1-ask');
      await page.getByRole('button', { name: 'Back to the start' }).click();
      const code = await askForApproval(page);
      await expect(page.getByRole('status').filter({ hasText: 'Waiting for your old computer.' })).toBeVisible();
      // Read aloud digit by digit, the way a person reads it to themselves.
      await expect(page.getByText(code.replace('-', '').split('').join(' '))).toBeAttached();
      await lookAt('new-computer-2-code');

      await openMySecurity(old);
      await checkScreen(old, testInfo, 'new-computer-3-old-computer-security');
      // As people type what they read: lower case, a space for the dash.
      await findComputer(old, code.toLowerCase().replace('-', ' '));
      const question = old.getByRole('group', { name: 'Is this your new computer?' });
      await expect(question).toBeVisible();
      const oldId = await oldDeviceId(fk);
      const asking = present(
        (await fk.devices()).find((d) => d.id !== oldId),
        'the new computer',
      );
      await expect(question).toContainText(asking.name);
      await checkScreen(old, testInfo, 'new-computer-4-old-computer-asks');
      await old.getByRole('button', { name: 'Yes, this is my new computer' }).click();
      await expect(old.getByRole('status').filter({ hasText: 'Approved. Go back to your new computer' })).toBeVisible();

      // The new computer notices by itself: no button to press.
      await expect(page.getByRole('heading', { name: 'Add a sign-in key' })).toBeVisible({ timeout: 10_000 });
      await expect(page.getByRole('heading', { name: 'Keep using your security key?' })).toHaveCount(0);
      await page.getByRole('button', { name: 'Create a passkey on this computer' }).click();
      await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();

      const passkeys = (await fk.credentials()).filter((c) => c.status === 'active');
      expect(passkeys.map((c) => c.factor)).toEqual(['passkey', 'passkey']);
      expect(new Set(passkeys.map((c) => c.device_id)).size).toBe(2);
      const [approval] = await fk.server.db.selectFrom('device_approvals').selectAll().execute();
      expect(approval).toMatchObject({ status: 'collected', device_id: asking.id, approver_device_id: oldId });
      expect(await fk.auditIntact()).toBe(true);
    } finally {
      await context.close();
    }
  });

  test('a wrong code says so on the old computer, and a denial tells the new computer, which may ask again', async ({
    browser,
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const { context, old } = await oldComputerWithPasskey(browser, fk);
    try {
      await fk.open(page);
      const code = await askForApproval(page);
      await openMySecurity(old);
      await findComputer(old, code === '0000-0000' ? '0000-0001' : '0000-0000');
      await expect(old.getByRole('alert')).toContainText('No computer of yours is waiting with that code.');
      await findComputer(old, code);
      await old.getByRole('button', { name: 'No, this is not my computer' }).click();
      await expect(old.getByRole('status').filter({ hasText: 'Not approved.' })).toBeVisible();

      await expect(page.getByRole('heading', { name: 'Your old computer said no' })).toBeVisible({ timeout: 10_000 });
      await expect(page.getByRole('alert')).toContainText('This computer was not approved.');
      await lookAt('new-computer-3-denied');
      await page.getByRole('button', { name: 'Ask for a new code' }).click();
      await expect(page.getByLabel('Username')).toBeVisible();
      expect((await fk.server.db.selectFrom('sessions').select('purpose').where('purpose', '=', 'replace').execute()).length).toBe(0);
    } finally {
      await context.close();
    }
  });

  test('a code nobody approves in time runs out on both computers, and Check again says so at once', async ({
    browser,
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const { context, old } = await oldComputerWithPasskey(browser, fk);
    try {
      await fk.open(page);
      const code = await askForApproval(page);
      await page.getByRole('button', { name: 'Check again' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Last checked at' })).toBeVisible();
      fk.clock.advance(5 * 60);
      await page.getByRole('button', { name: 'Check again' }).click();
      await expect(page.getByRole('heading', { name: 'The code ran out' })).toBeVisible();
      await lookAt('new-computer-5-expired');

      await openMySecurity(old);
      await findComputer(old, code);
      await expect(old.getByRole('alert')).toContainText('That code has run out.');
    } finally {
      await context.close();
    }
  });
});

/** The old computer is the first device the server saw: it enrolled first. */
async function oldDeviceId(fk: FirstKeyHarness): Promise<string> {
  const devices = await fk.devices();
  return present(devices[0], 'the old computer').id;
}
