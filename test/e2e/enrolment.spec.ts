import { expect, test } from './fixtures.js';

test.describe('first enrolment', () => {
  test('a new hire enrols a passkey on this device', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    await fk.open(page);

    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeFocused();
    await lookAt('1-enter-code');
    await page.getByLabel('Enrolment code').fill(code.toLowerCase().replaceAll('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await expect(page.getByText('Ada Lovelace')).toBeVisible();
    await expect(page.getByText(/Time left: (10:00|9:\d\d)/)).toBeVisible();
    await lookAt('2-confirm-identity');
    await page.getByRole('button', { name: 'Yes, continue' }).click();

    await expect(page.getByRole('heading', { name: 'Choose your sign-in key' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /A passkey on this computer/ })).toBeChecked();
    await lookAt('3-choose-factor');
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Passkey on this computer');
    await lookAt('5-done');

    const stored = await fk.credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ factor: 'passkey', status: 'active', user_verified: 1 });
    expect(await fk.auditIntact()).toBe(true);
  });
});
