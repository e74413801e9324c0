import { expect, test } from './fixtures.js';
import { keepRecoveryCodes, startEnrolment } from './journey.js';

/** Issue 14, as a person meets it: a spare key offered where it helps, and no code typed in vain. */

test.describe('No way to add a spare key', () => {
  test('the last screen of an enrolment offers "Add a backup key now": the passkey confirms, the security key is registered', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode());
    await keepRecoveryCodes(page);
    await expect(page.getByText('You have one sign-in key.')).toBeVisible();
    await lookAt('5-done-one-key');

    // The spare key is plugged in next to this computer's own authenticator.
    await fk.addAuthenticator({ transport: 'usb', alongside: true });
    await page.getByRole('button', { name: 'Add a backup key now' }).click();
    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
    const registered = page.getByRole('list', { name: 'Registered' }).getByRole('listitem');
    await expect(registered).toHaveCount(2);
    await expect(page.getByRole('button', { name: 'Add a backup key now' })).toHaveCount(0);
    await expect(page.getByText('You have one sign-in key.')).toHaveCount(0);

    const active = (await fk.credentials()).filter((c) => c.status === 'active');
    expect(active.map((c) => c.factor).sort()).toEqual(['passkey', 'security-key']);
    // Both keys belong to the one person and the one computer; no new device appeared.
    expect(new Set(active.map((c) => c.user_id)).size).toBe(1);
    expect(await fk.devices()).toHaveLength(1);
    expect(await fk.auditIntact()).toBe(true);
  });

  test('My security has "Add a key": it adds a passkey next to the security key, and the way back keeps the session', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    await keepRecoveryCodes(page);

    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();

    await page.getByRole('button', { name: 'Add a key' }).click();
    await expect(page.getByRole('heading', { name: 'Add a sign-in key' })).toBeVisible();
    // Signed in with a key: nobody to confirm, so no "Is this you?" and no "This is not me".
    await expect(page.getByRole('button', { name: /This is not me/ })).toHaveCount(0);
    await lookAt('3-add-a-key');
    await page.getByRole('button', { name: 'Back to your sign-in keys' }).click();
    await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();

    await fk.addAuthenticator({ transport: 'internal', alongside: true });
    await page.getByRole('button', { name: 'Add a key' }).click();
    await page.getByRole('radio', { name: /A passkey on this computer/ }).check();
    await page.getByRole('button', { name: 'Create a passkey on this computer' }).click();
    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Registered' }).getByRole('listitem')).toHaveCount(2);
    const active = (await fk.credentials()).filter((c) => c.status === 'active');
    expect(active.map((c) => c.factor).sort()).toEqual(['passkey', 'security-key']);
  });
});

test.describe('Keychain checked too late', () => {
  test('a computer without a usable keychain is told so at start, before any code is asked for; Try again finds it once repaired', async ({
    page,
    fk,
    lookAt,
  }) => {
    fk.keychainMissing = true;
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await expect(page.getByRole('alert')).toContainText("FirstKey cannot reach this computer's secure keychain");
    // Nothing that needs this computer's key is offered: no code field, no other ways in.
    await expect(page.getByLabel('Enrolment code')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'I lost my sign-in key' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Export diagnostics' })).toBeVisible();
    await lookAt('1-keychain-missing');
    expect(fk.wire).toEqual([]);

    // Still missing: trying again says the same.
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('alert')).toContainText('secure keychain');

    fk.keychainMissing = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByLabel('Enrolment code')).toBeVisible();
    await startEnrolment(page, await fk.issueCode());
    await keepRecoveryCodes(page);
  });
});
