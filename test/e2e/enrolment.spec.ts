import { expect, test } from './fixtures.js';
import { enterCode, keepRecoveryCodes, startEnrolment } from './journey.js';
import { present } from './harness.js';

test.describe('first enrolment', () => {
  test('a new hire enrols a passkey on this device and keeps their recovery codes', async ({ page, context, fk, lookAt }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fk.origin });
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    await fk.open(page);

    // The window's first screen leaves focus at the start of the page: Tab reaches the language picker first.
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await lookAt('1-enter-code');
    await page.getByLabel('Enrolment code').fill(code.toLowerCase().replaceAll('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await expect(page.getByText('Ada Lovelace')).toBeVisible();
    await expect(page.getByText(/Time left: (5:00|4:\d\d)/)).toBeVisible();
    // Who it is for and which key to make are one decision: the passkey is preselected where this computer can make one.
    await expect(page.getByRole('radio', { name: /A passkey on this computer/ })).toBeChecked();
    await lookAt('2-confirm-identity');
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();

    // Recovery codes: shown once, ten of them, each at least 64 bits, kept before going on.
    await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
    const shown = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
    expect(new Set(shown).size).toBe(10);
    for (const c of shown) expect(c.replace(/-/g, '').length * 5).toBeGreaterThanOrEqual(64);
    await lookAt('4b-recovery-codes');
    await page.getByRole('button', { name: 'Copy codes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Codes copied' })).toBeVisible();
    expect((await page.evaluate(() => navigator.clipboard.readText())).split('\n')).toEqual(shown);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Save to a file' }).click();
    const file = await (await download).path();
    const { readFileSync } = await import('node:fs');
    for (const c of shown) expect(readFileSync(file, 'utf8')).toContain(c);
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();

    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Passkey on this computer');
    await expect(page.getByText('You have one sign-in key.')).toBeVisible();
    await lookAt('5-done');

    const stored = await fk.credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ factor: 'passkey', status: 'active', user_verified: 1 });
    // The factor is bound to the device whose key signed every call, and the device's signals are on record.
    const devices = await fk.devices();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ platform: process.platform, kind: 'personal', app_version: '0.1.0-test', revoked_at: null });
    expect(stored[0]?.device_id).toBe(devices[0]?.id);
    expect(await fk.auditIntact()).toBe(true);
  });
});

test.describe('security keys and retries', () => {
  test('a new hire enrols a security key, after cancelling the first prompt', async ({ page, fk, lookAt }) => {
    // The first key is never touched; the person gives up and cancels.
    await fk.addAuthenticator({ transport: 'usb', touched: false });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);

    await expect(page.getByRole('heading', { name: 'Use your security key' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Waiting for you to confirm' })).toBeVisible();
    await lookAt('4-ceremony-waiting');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('The request was cancelled or timed out');
    await lookAt('4-ceremony-cancelled');
    expect(await fk.credentials()).toHaveLength(0);

    await fk.addAuthenticator({ transport: 'usb' });
    await page.getByRole('button', { name: 'Try again' }).click();
    await keepRecoveryCodes(page);
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Security key');

    const stored = await fk.credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ factor: 'security-key', status: 'active' });
  });

  test('the same key cannot be registered twice for one person', async ({ page, fk }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode(), /A security key/);
    await keepRecoveryCodes(page);
    // Offered a backup key, the person touches the same key again: it confirms who they are, and is not added twice.
    await page.getByRole('button', { name: 'Add a backup key now' }).click();
    await expect(page.getByRole('alert')).toContainText('This key is already registered');
    expect(await fk.credentials()).toHaveLength(1);
  });
});

test.describe('codes that do not work', () => {
  test('a wrong code, a used code and an expired code each say what to do', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    const codeField = page.getByLabel('Enrolment code');
    const cont = page.getByRole('button', { name: 'Continue' });

    await cont.click();
    await expect(page.getByRole('alert')).toContainText('Enter your enrolment code.');

    const wrong = await fk.issueCode();
    await codeField.fill(wrong.slice(0, -1) + (wrong.endsWith('0') ? '1' : '0'));
    await cont.click();
    await expect(page.getByRole('alert')).toContainText('We did not recognise that code');
    await expect(codeField).toHaveAttribute('aria-invalid', 'true');
    await lookAt('1-enter-code-error');

    const used = await fk.issueCode();
    await fk.redeemElsewhere(used);
    await codeField.fill(used);
    await cont.click();
    await expect(page.getByRole('alert')).toContainText('That code has already been used');

    const expired = await fk.issueCode('ada.new', 3600);
    fk.clock.advance(3601);
    await codeField.fill(expired);
    await cont.click();
    await expect(page.getByRole('alert')).toContainText('That code has expired');
    expect(await fk.credentials()).toHaveLength(0);
  });

  test('wrong tries slow a code down instead of locking it: the wait is shown, then the right code works', async ({ page, fk, lookAt }) => {
    const code = await fk.issueCode();
    const wrong = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    await fk.open(page);
    const alert = page.getByRole('alert');
    // The first few wrong tries are answered as wrong; then the server asks for a wait, and the app says how long.
    for (let tries = 0; tries < 8; tries++) {
      await page.getByLabel('Enrolment code').fill(wrong);
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(alert).toContainText(/We did not recognise that code|Too many tries/);
      if ((await alert.textContent())?.includes('Too many tries')) break;
    }
    await expect(alert).toContainText(/Please wait \d+ seconds?, then try again/);
    await lookAt('1-enter-code-wait');
    const seconds = Number(/wait (\d+) second/.exec((await alert.textContent()) ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(15);

    await page.waitForTimeout(seconds * 1000 + 200);
    await page.getByLabel('Enrolment code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  });

  test('a code is locked after its hard limit of wrong tries, even against the right code', async ({ browser }) => {
    const { FirstKeyHarness } = await import('./harness.js');
    const fk = new FirstKeyHarness();
    // No waits before the lock, so the lock alone is what this shows.
    await fk.start({ codeMaxAttempts: 5, throttleFreeFailures: 10 });
    const context = await browser.newContext({ viewport: { width: 760, height: 800 } });
    const page = await context.newPage();
    try {
      await fk.attach(context, page);
      const code = await fk.issueCode();
      const wrong = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
      await fk.open(page);
      for (let i = 0; i < 5; i++) {
        await page.getByLabel('Enrolment code').fill(wrong);
        await page.getByRole('button', { name: 'Continue' }).click();
        await expect(page.getByRole('alert')).toContainText('We did not recognise that code');
      }
      await page.getByLabel('Enrolment code').fill(code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('alert')).toContainText('That code is locked');
    } finally {
      await context.close();
      await fk.stop();
    }
  });

  test('someone who is not the named person stops and nothing is kept', async ({ page, fk }) => {
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('button', { name: 'No, this is not me' }).click();
    // Information, not a failure: no alert and no "That did not work" (issue 14, layout and words).
    await expect(page.getByRole('status').filter({ hasText: 'The code was for someone else' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    const sessions = await fk.server.db.selectFrom('sessions').select(['ended_at']).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.ended_at).not.toBeNull();
  });
});

test.describe('session lifetime', () => {
  test('time left is shown, warned about, and an expired session returns to the start', async ({ page, fk, lookAt }) => {
    await page.clock.install();
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await page.getByLabel('Enrolment code').fill(await fk.issueCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    // The idle limit (5 minutes) comes before the 10-minute lifetime when nothing happens.
    await expect(page.getByText(/Time left: (5:00|4:5\d)/)).toBeVisible();

    await page.clock.fastForward('03:30');
    await expect(page.getByText(/Time left: 1:\d\d/)).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Less than 2 minutes left' })).toBeVisible();
    await lookAt('2-confirm-identity-time-warning');

    await page.clock.fastForward('01:31');
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('Enter your code again to start over');
    await lookAt('1-enter-code-session-expired');
  });

  test('the server ends a session at its expiry even if the app clock disagrees', async ({ page, fk }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    // The session must exist before time moves, or the exchange itself would happen after the jump.
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    fk.clock.advance(10 * 60 + 1);
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await expect(page.getByRole('alert')).toContainText('Enter your code again to start over');
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    expect(await fk.credentials()).toHaveLength(0);
  });
});

test.describe('device binding', () => {
  test('a device whose key was revoked cannot use a new code', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();

    const [device] = await fk.devices();
    await fk.server.services.devices.revoke(present(device, 'the enrolling device').id, 'test-helpdesk');
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await expect(page.getByRole('alert')).toContainText("removed from your organisation's trusted devices");

    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('alert')).toContainText("removed from your organisation's trusted devices");
    await lookAt('1-enter-code-device-revoked');
    expect(await fk.credentials()).toHaveLength(0);
  });
});
