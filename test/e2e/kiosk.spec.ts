import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { newHireEnrols, OPERATOR, operatorConfirms, stationWithOperator, withOnboardingOperator } from './kiosk-support.js';

/**
 * Issue 12, kiosk onboarding stations, end to end: the real renderer in Chromium with the virtual
 * authenticator, main's real controller and kiosk host (PIN store in the real keychain, the wipe in
 * main's order; Electron's window, printer and quit stood in by the page and a record), against the
 * real server. This file: one person at a time, and the reset that leaves nothing of them behind.
 * The operator step and security keys only: kiosk-operator.spec.ts; the station's PIN, health and
 * way out: kiosk-station.spec.ts.
 */

withOnboardingOperator();

async function storageOf(page: Page): Promise<{ local: number; session: number }> {
  return page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length }));
}

test.describe('One person at a time', () => {
  test('two new hires in a row: the second sees nothing of the first', async ({ fk, page, context, lookAt }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fk.origin });
    await fk.server.services.accounts.createUser({ username: 'bob.new', displayName: 'Bob Babbage', role: 'engineer' }, 'test');
    const station = await stationWithOperator(fk, page);
    await lookAt('kiosk-operator-step');

    // First: Ada.
    await operatorConfirms(page, 'ada.new', OPERATOR.username, ['Photo ID checked', "The name matches the new hire's record"]);
    await expect(page.getByRole('heading', { name: 'Next: Ada Lovelace' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'confirmed by Hedy Lamarr at' })).toContainText(
      'photo ID checked and name matches the record',
    );
    await lookAt('kiosk-whose-turn');
    // Whatever a page might leave behind in its storage, and what a person might copy.
    await page.evaluate(() => {
      localStorage.setItem('left-behind', 'ada.new');
      sessionStorage.setItem('left-behind', 'Ada Lovelace');
    });
    // What a person might copy at the station: their own code and name.
    const adaCode = await fk.issueCode('ada.new');
    const adaCopied = `Ada Lovelace ${adaCode}`;
    await page.evaluate((text) => navigator.clipboard.writeText(text), adaCopied);
    const adaCodes = await newHireEnrols(page, adaCode);
    await expect(page.getByRole('radio', { name: /passkey/i })).toHaveCount(0);
    await lookAt('kiosk-recovery-codes');

    // Offered for printing only: no copy, no file; selecting and copying does not reach the clipboard.
    await expect(page.getByRole('button', { name: /copy/i })).toHaveCount(0);
    await expect(page.getByRole('link', { name: /save/i })).toHaveCount(0);
    await expect(page.locator('a[download]')).toHaveCount(0);
    await page.getByRole('list', { name: 'Recovery codes' }).selectText();
    await page.keyboard.press('Control+C');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(adaCopied);
    await page.getByRole('button', { name: 'Print' }).click();
    await expect(page.getByText("Sent to the station's printer. Take the page with you.")).toBeVisible();
    expect(fk.kiosk(station).prints).toEqual([adaCodes]);

    await page.getByRole('checkbox', { name: 'I have my printed recovery codes' }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Your security key is ready' })).toBeVisible();
    await expect(page.getByText('Ada')).toHaveCount(0);
    await expect(page.getByText(/starts over for the next person in \d+ seconds/)).toBeVisible();
    await lookAt('kiosk-done');
    await page.getByRole('button', { name: 'Finish now' }).click();

    // The station is ready for the next person, and nothing of Ada is left in the window.
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible({ timeout: 2_000 });
    // The page shows the start screen as soon as it asks for the reset; main's wipe finishes behind it.
    await expect.poll(() => fk.kiosk(station).wipes).toEqual([['load about:blank', 'clearData', 'clearClipboard', `load ${fk.origin}/`]]);
    // The wipe's last step is asked for before its page has loaded: read the window only once the reloaded start screen is up.
    await page.waitForLoadState('load');
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    expect(await storageOf(page)).toEqual({ local: 0, session: 0 });
    expect(fk.clipboardCleared).toBe(1);
    // What Ada copied (her name and code) is gone from the clipboard.
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('');
    const afterAda = await page.content();
    for (const trace of ['Ada', 'ada.new', 'Hedy', ...adaCodes]) expect(afterAda).not.toContain(trace);
    expect(await page.getByLabel("New hire's username").inputValue()).toBe('');
    expect(await station.handlers.currentSession(undefined)).toBeNull();

    // Second: Bob, on the same station, with the same operator.
    await operatorConfirms(page, 'bob.new');
    await expect(page.getByRole('heading', { name: 'Next: Bob Babbage' })).toBeVisible();
    const bobCodes = await newHireEnrols(page, await fk.issueCode('bob.new'));
    const bobsScreen = await page.content();
    for (const trace of ['Ada', 'ada.new', ...adaCodes]) expect(bobsScreen).not.toContain(trace);
    expect(await storageOf(page)).toEqual({ local: 0, session: 0 });
    expect(await page.evaluate(() => navigator.clipboard.readText())).not.toMatch(/ada|Ada/);
    expect(bobCodes).not.toEqual(adaCodes);
    // Printing for Bob prints Bob's codes only.
    await page.getByRole('button', { name: 'Print' }).click();
    await expect(page.getByText("Sent to the station's printer. Take the page with you.")).toBeVisible();
    expect(fk.kiosk(station).prints).toEqual([adaCodes, bobCodes]);

    // Each has one security key, bound through a kiosk session: no passkey on shared hardware.
    const credentials = await fk.credentials();
    const factors = credentials.filter((c) => c.status === 'active').map((c) => c.factor);
    expect(factors).toEqual(['security-key', 'security-key', 'security-key']);
    expect(await fk.auditIntact()).toBe(true);
  });

  test('inactivity resets the station after 90 s, with a visible 15 s countdown that any input cancels', async ({ fk, page, lookAt }) => {
    await page.clock.install();
    const station = await stationWithOperator(fk, page);
    await operatorConfirms(page, 'ada.new');
    await page.getByLabel('Enrolment code').fill(await fk.issueCode('ada.new'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    expect(await station.handlers.currentSession(undefined)).not.toBeNull();

    const countdown = page.getByRole('alertdialog', { name: 'Are you still there?' });
    await page.clock.fastForward(74_000);
    await expect(countdown).toHaveCount(0);
    await page.clock.fastForward(2_000);
    await expect(countdown).toBeVisible();
    await expect(countdown).toContainText('starts over in 14 seconds');
    await lookAt('kiosk-idle-countdown');

    // Any input cancels it, and the whole wait starts again.
    await page.keyboard.press('Shift');
    await expect(countdown).toHaveCount(0);
    await page.clock.fastForward(60_000);
    await expect(countdown).toHaveCount(0);
    expect(fk.kiosk(station).wipes).toEqual([]);

    await page.clock.fastForward(20_000);
    await expect(countdown).toBeVisible();
    await page.clock.fastForward(15_000);
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    // The page clears itself first; main then ends the session on the server and only then wipes.
    await expect.poll(() => fk.kiosk(station).wipes.length).toBe(1);
    await expect(page.getByText('Ada Lovelace')).toHaveCount(0);
    // main forgot the session, and the server ended it: the code's session cannot be used again.
    expect(await station.handlers.currentSession(undefined)).toBeNull();
    const sessions = await fk.server.db.selectFrom('sessions').select(['ended_at', 'completed_at']).execute();
    expect(sessions.filter((s) => s.ended_at === null && s.completed_at === null)).toEqual([]);
  });
});

test.describe('The done screen', () => {
  test('says what to do next without the name, and resets by itself', async ({ fk, page }) => {
    await page.clock.install();
    const station = await stationWithOperator(fk, page);
    await operatorConfirms(page, 'ada.new');
    await newHireEnrols(page, await fk.issueCode('ada.new'));
    await page.getByRole('checkbox', { name: 'I have my printed recovery codes' }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Your security key is ready' })).toBeVisible();
    await expect(page.getByText('Take your security key with you.')).toBeVisible();
    await expect(page.getByText('Lovelace')).toHaveCount(0);
    await expect(page.getByText(/close this window/i)).toHaveCount(0);

    await page.clock.fastForward(18_000);
    await expect(page.getByText('starts over for the next person in 2 seconds')).toBeVisible();
    expect(fk.kiosk(station).wipes).toEqual([]);
    await page.clock.fastForward(3_000);
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible({ timeout: 2_000 });
    await expect.poll(() => fk.kiosk(station).wipes.length).toBe(1);
  });
});

test.describe('The idle reset also runs on the operator step', () => {
  test('a half-filled operator form is cleared after 90 s with the countdown; an untouched one is left alone', async ({ fk, page }) => {
    await page.clock.install();
    const station = await stationWithOperator(fk, page);
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    await page.clock.fastForward(120_000);
    expect(fk.kiosk(station).wipes).toEqual([]);

    await page.getByLabel("New hire's username").fill('ada.new');
    await page.getByRole('checkbox', { name: 'Photo ID checked' }).check();
    const countdown = page.getByRole('alertdialog', { name: 'Are you still there?' });
    await page.clock.fastForward(76_000);
    await expect(countdown).toBeVisible();
    await page.clock.fastForward(15_000);
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    await expect.poll(() => fk.kiosk(station).wipes.length).toBe(1);
    // The wipe reloads the page: wait for the fresh form rather than read the old one.
    await expect(page.getByLabel("New hire's username")).toHaveValue('');
    await expect(page.getByRole('checkbox', { name: 'Photo ID checked' })).not.toBeChecked();
  });
});
