import { CHECKED, serverAgent } from '../support/deciding-agents.js';
import { expect, test } from './fixtures.js';
import { keepRecoveryCodes, startEnrolment } from './journey.js';
import { present } from './harness.js';

test.describe('ways back', () => {
  test('a lost security key: recovery code, new passkey, the old key and the used code refused after', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    const codes = await keepRecoveryCodes(page);
    const lostKey = await fk.keyContents();

    // The key is lost. On a passkey-capable computer the person uses a saved recovery code.
    await fk.addAuthenticator({ transport: 'internal' });
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await expect(page.getByRole('heading', { name: 'Get back in with a recovery code' })).toBeFocused();
    await lookAt('6-recover-with-code');
    await page.getByLabel('Username').fill('ada.new');
    await page.getByLabel('Recovery code').fill(present(codes[0], 'a recovery code'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await page.getByRole('button', { name: /^This is me:/ }).click();
    const fresh = await keepRecoveryCodes(page);
    expect(fresh.some((c) => codes.includes(c))).toBe(false);
    await expect(page.getByText('Your old sign-in keys no longer work (1 revoked)')).toBeVisible();
    await lookAt('6-recovered');

    const stored = await fk.credentials();
    expect(stored.map((c) => [c.factor, c.status]).sort()).toEqual([
      ['passkey', 'active'],
      ['security-key', 'revoked'],
    ]);
    const notices = await fk.server.db.selectFrom('notifications').select('kind').execute();
    expect(notices.map((n) => n.kind)).toContain('recovery.completed');

    // Someone finds the old key: it no longer opens anything.
    await fk.plugKey(lostKey);
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'I have a new computer and my security key is with me' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await lookAt('8-sign-in-with-key');
    await page.getByRole('button', { name: 'Use my key' }).click();
    // The server no longer offers the revoked credential, so the key has nothing to answer with.
    await expect(page.getByRole('status').filter({ hasText: 'Waiting for your key' })).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('cancelled or timed out');
    expect(await fk.server.db.selectFrom('sessions').select('purpose').where('purpose', '=', 'replace').execute()).toHaveLength(0);

    // Neither the code already used nor any other code of the replaced set works again.
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByLabel('Username').fill('ada.new');
    for (const old of [present(codes[0], 'the used code'), present(codes[1], 'another code of the set')]) {
      await page.getByLabel('Recovery code').fill(old);
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('alert')).toContainText('That username and recovery code do not match');
    }
    await lookAt('6-recover-with-code-refused');
  });

  test('no key and no codes: the help desk approves, the person enters the one-time code here', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode());
    await keepRecoveryCodes(page);

    // The laptop is lost; a replacement laptop has its own platform authenticator.
    await fk.addAuthenticator({ transport: 'internal' });
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
    await expect(page.getByRole('heading', { name: 'Ask your help desk' })).toBeFocused();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect(page.getByRole('heading', { name: 'Request sent' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Waiting for your help desk' })).toBeVisible();
    await lookAt('7-helpdesk-request-sent');

    // The agent verifies the person out of band and approves (admin API or CLI in real life).
    const request = present((await fk.server.services.helpdesk.list())[0], 'a filed help-desk request');
    const approval = await fk.server.services.helpdesk.approve(request.id, 'ada.new', await serverAgent(fk.server, 'agent.smith'), CHECKED);
    expect(approval.code).toBeTruthy();

    await page.getByLabel('Code from the help desk').fill(present(approval.code, 'the approval code'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await keepRecoveryCodes(page);
    await expect(page.getByText('Your old sign-in keys no longer work (1 revoked)')).toBeVisible();
  });

  test('a new computer: sign in with the security key, then add a passkey here', async ({ browser, page, fk }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    await keepRecoveryCodes(page);
    const key = await fk.keyContents();

    const context = await browser.newContext({ viewport: { width: 760, height: 800 } });
    const laptop = await context.newPage();
    try {
      await fk.attach(context, laptop, fk.newDevice());
      await fk.addAuthenticator({ transport: 'internal' });
      await fk.plugKey(key, { alongside: true });
      await fk.open(laptop);
      await laptop.getByRole('button', { name: 'I have a new computer and my security key is with me' }).click();
      await expect(laptop.getByRole('heading', { name: 'Use your sign-in key' })).toBeFocused();
      await laptop.getByLabel('Username').fill('ada.new');
      await laptop.getByRole('button', { name: 'Use my key' }).click();
      // The key just used said who this is: nothing to confirm, only what to add.
      await expect(laptop.getByRole('heading', { name: 'Add a sign-in key' })).toBeVisible();
      await expect(laptop.getByRole('heading', { name: 'Keep using your security key?' })).toBeVisible();
      await expect(laptop.getByRole('radio', { name: /A passkey on this computer/ })).toBeChecked();
      await laptop.getByRole('button', { name: 'Create a passkey on this computer' }).click();
      await expect(laptop.getByRole('heading', { name: 'You are all set' })).toBeVisible();
      await expect(laptop.getByRole('list', { name: 'Registered' }).getByRole('listitem')).toHaveCount(2);

      const stored = await fk.credentials();
      expect(stored.filter((c) => c.status === 'active')).toHaveLength(2);
      const devices = await fk.devices();
      expect(devices).toHaveLength(2);
      const passkey = stored.find((c) => c.factor === 'passkey');
      expect(passkey?.device_id).toBe(devices.find((d) => d.id !== stored.find((c) => c.factor === 'security-key')?.device_id)?.id);
    } finally {
      await context.close();
    }
  });

  test('rebinding: the security key moves to the new computer and the old computer is no longer trusted', async ({ browser, page, fk }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    await keepRecoveryCodes(page);
    const key = await fk.keyContents();
    const oldComputer = present((await fk.devices())[0], 'the first computer');

    const context = await browser.newContext();
    const laptop = await context.newPage();
    try {
      await fk.attach(context, laptop, fk.newDevice());
      await fk.plugKey(key);
      await fk.open(laptop);
      await laptop.getByRole('button', { name: 'I have a new computer and my security key is with me' }).click();
      await laptop.getByLabel('Username').fill('ada.new');
      await laptop.getByRole('button', { name: 'Use my key' }).click();
      await laptop.getByRole('button', { name: 'Move my security key to this computer' }).click();
      await expect(laptop.getByText('Your security key now belongs to this computer.')).toBeVisible();

      const devices = await fk.devices();
      const newComputer = devices.find((d) => d.id !== oldComputer.id);
      expect(devices.find((d) => d.id === oldComputer.id)?.revoked_at).not.toBeNull();
      const [credential] = await fk.credentials();
      expect(credential?.device_id).toBe(newComputer?.id);
    } finally {
      await context.close();
    }
  });
});

test.describe('my security', () => {
  test('rename a key, remove one (never the last), and make new recovery codes', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    const first = await keepRecoveryCodes(page);

    // A second key: a passkey on this computer, added after signing in with the security key.
    await fk.addAuthenticator({ transport: 'internal', alongside: true });
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'I have a new computer and my security key is with me' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await page.getByRole('radio', { name: /A passkey on this computer/ }).check();
    await page.getByRole('button', { name: 'Create a passkey on this computer' }).click();
    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();

    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
    const keys = page.getByRole('list', { name: 'Sign-in keys' });
    await expect(keys.getByRole('listitem')).toHaveCount(2);
    await lookAt('9-my-security');

    await page.getByRole('button', { name: 'Rename Security key' }).click();
    await page.getByLabel('New name').fill('Blue key on my keyring');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(keys).toContainText('Blue key on my keyring');

    await page.getByRole('button', { name: 'Remove Passkey on this computer' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The key was removed' })).toBeVisible();
    await expect(keys.getByRole('listitem')).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Remove Blue key on my keyring' })).toBeDisabled();
    await expect(page.getByText('Your only sign-in key cannot be removed.')).toBeVisible();
    expect((await fk.credentials()).filter((c) => c.status === 'active').map((c) => c.factor)).toEqual(['security-key']);

    await page.getByRole('button', { name: 'Make new recovery codes' }).click();
    await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
    const fresh = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => first.includes(c))).toBe(false);
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await expect(page.getByText('10 unused recovery codes left.')).toBeVisible();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();

    // The old set stopped working when the new one was made.
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByLabel('Recovery code').fill(present(first[3], 'a code of the old set'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toContainText('That username and recovery code do not match');
  });
});
