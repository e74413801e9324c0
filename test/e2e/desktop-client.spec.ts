import { expect, test } from './fixtures.js';
import { enterCode, keepRecoveryCodes, startEnrolment } from './journey.js';

/** Issue 10, as the person at the computer meets it: a lost device key, links while the app runs, diagnostics for the help desk. */
const linkTo = (code: string) => `firstkey://enrol?code=${encodeURIComponent(code)}`;

test.describe('A deleted keychain entry is silently replaced', () => {
  test("says this computer's key was lost, and the way forward makes a new key and confirms with the sign-in key", async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode());
    await keepRecoveryCodes(page);
    const oldThumbprint = await fk.recordedThumbprint();
    expect(oldThumbprint).not.toBeNull();
    const devicesBefore = await fk.devices();

    // Someone resets the keychain; the person opens FirstKey again.
    await fk.deleteDeviceKey();
    await fk.restart(page);
    // Nothing done yet in this window: focus stays at the page start, so Tab reaches the language picker first.
    await expect(page.getByRole('heading', { name: "This computer's key was lost" })).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Language')).toBeFocused();
    await expect(page.getByText('This is not your sign-in key')).toBeVisible();
    await lookAt('9-device-key-lost');
    // Nothing was made behind the person's back.
    expect(await fk.recordedThumbprint()).toBe(oldThumbprint);

    await page.getByRole('button', { name: 'Confirm with my sign-in key' }).click();
    await expect(page.getByRole('heading', { name: 'Use your sign-in key' })).toBeFocused();
    const newThumbprint = await fk.recordedThumbprint();
    expect(newThumbprint).not.toBeNull();
    expect(newThumbprint).not.toBe(oldThumbprint);

    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('heading', { name: 'Add a sign-in key' })).toBeVisible();
    const devicesAfter = await fk.devices();
    expect(devicesAfter).toHaveLength(devicesBefore.length + 1);
    expect(devicesAfter.map((d) => d.jkt)).toContain(newThumbprint);
  });

  test('a key found missing at the first call of a running app leads to the same screen, not to the keychain message', async ({
    page,
    fk,
  }) => {
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await page.getByRole('button', { name: 'No, this is not me' }).click();

    await fk.deleteDeviceKey();
    const controller = await fk.restart(page);
    // The person got past the start before the check answered: the next call finds the key gone.
    expect(await controller.handlers.deviceKeyStatus(undefined)).toBe('device_key_lost');
    await expect(page.getByRole('heading', { name: "This computer's key was lost" })).toBeVisible();
    await page.getByRole('button', { name: 'I have a new enrolment code from IT' }).click();
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  });
});

test.describe('Deep links', () => {
  test('a link clicked while the app runs brings the window forward and puts its code in the code field', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    const code = await fk.issueCode();

    fk.links(page).fromSecondInstance(['/opt/FirstKey/firstkey', linkTo(code)]);
    expect(fk.focusCalls).toBe(1);
    await expect(page.getByLabel('Enrolment code')).toHaveValue(code);
    await expect(page.getByRole('status').filter({ hasText: 'We filled in the code from the link you opened.' })).toBeVisible();
    await lookAt('1-code-from-running-link');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  });

  test('a link that arrives mid-enrolment asks before dropping it; keeping on is the default', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();

    fk.links(page).fromOpenUrl(linkTo(await fk.issueCode()));
    const prompt = page.getByRole('alertdialog', { name: 'You opened an enrolment link' });
    await expect(prompt).toBeVisible();
    await expect(prompt.getByRole('button', { name: 'Keep going here' })).toBeFocused();
    await lookAt('3-link-while-enrolling');
    await page.keyboard.press('Enter');
    await expect(prompt).toBeHidden();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();

    const newer = await fk.issueCode();
    fk.links(page).fromOpenUrl(linkTo(newer));
    await prompt.getByRole('button', { name: 'Use the new code' }).click();
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await expect(page.getByLabel('Enrolment code')).toHaveValue(newer);
    // The abandoned session was ended on the server, not left open.
    const open = await fk.server.db
      .selectFrom('sessions')
      .select('id')
      .where('ended_at', 'is', null)
      .where('completed_at', 'is', null)
      .execute();
    expect(open).toHaveLength(0);
  });

  test('a junk link changes nothing on screen', async ({ page, fk }) => {
    await fk.open(page);
    await page.getByLabel('Enrolment code').fill('typed by hand');
    fk.links(page).fromOpenUrl('firstkey://enrol?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    fk.links(page).fromOpenUrl('firstkey://recover?code=ABCD-EFGH-JKMN-PQRS');
    await page.waitForTimeout(300);
    await expect(page.getByLabel('Enrolment code')).toHaveValue('typed by hand');
    expect(fk.focusCalls).toBe(0);
  });
});

test.describe('Export diagnostics', () => {
  test('the start screen’s button works by keyboard, and the saved report has each section and none of the journey’s codes', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    const code = await fk.issueCode();
    await startEnrolment(page, code);
    const recoveryCodes = await keepRecoveryCodes(page);
    await page.getByRole('button', { name: 'Back to the start' }).click();

    // From the last of the other ways in, one Tab reaches it; Enter presses it.
    await page.getByRole('button', { name: 'Manage my sign-in keys' }).focus();
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'Export diagnostics' });
    await expect(button).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'Diagnostics saved. Send the file to your help desk.' })).toBeVisible();
    await lookAt('1-diagnostics-saved');

    const files = [...fk.diagnosticsFiles().values()];
    expect(files).toHaveLength(1);
    const report = files[0] ?? '';
    for (const heading of [
      '## Versions',
      '## Configuration (secrets removed)',
      '## Keychain\nreachable',
      '## Server\nreachable',
      '## Recent log lines',
    ]) {
      expect(report).toContain(heading);
    }
    expect(report).toContain(`recorded thumbprint: ${(await fk.recordedThumbprint()) ?? 'missing'}`);
    for (const secret of [code, ...recoveryCodes]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(report).not.toContain(secret);
    }
  });

  test('an error screen offers it too, once, next to the problem', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByLabel('Recovery code').fill('ABCD-EFGH-JKMN-PQRS');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toContainText('That username and recovery code do not match');
    const button = page.getByRole('button', { name: 'Export diagnostics' });
    await expect(button).toHaveCount(1);
    await button.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'Diagnostics saved' })).toBeVisible();
    await lookAt('6-recover-refused-diagnostics');
    expect(fk.diagnosticsFiles().size).toBe(1);
  });
});
