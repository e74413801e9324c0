import type { Page } from '@playwright/test';
import { ApiClientError } from '../../electron/main/api-client.js';
import type { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { expect, test } from './fixtures.js';
import type { FirstKeyHarness } from './harness.js';

/**
 * Issue 12, kiosk onboarding stations, end to end: the real renderer in Chromium with the virtual
 * authenticator, main's real controller and kiosk host (PIN store in the real keychain, the wipe in
 * main's order; Electron's window, printer and quit stood in by the page and a record), against the
 * real server.
 */

const PIN = '482915';

/**
 * The operators here are the onboarding team (FIRSTKEY_KIOSK_OPERATOR_ROLES=onboarding): the built-in
 * policy puts admins in the privileged tier, whose keys need attestation from a trusted root that a
 * software key cannot give.
 */
test.use({ serverSettings: { kioskOperatorRoles: ['onboarding'] } });

const OPERATOR = { username: 'hedy.ops', displayName: 'Hedy Lamarr', role: 'onboarding' };

test.beforeEach(async ({ fk }) => {
  await fk.server.services.accounts.createUser(OPERATOR, 'test');
  // The HR role alone makes nobody a kiosk operator: a console role that issues codes too (server/kiosk/operator-step.ts).
  await fk.server.services.operatorRoles.grant(OPERATOR.username, 'helpdesk', 'test-admin');
});

/** Whatever a call was refused with, as the IPC gate would pass it on. */
async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'accepted';
  } catch (error) {
    return error instanceof ApiClientError ? error.code : String(error);
  }
}

/** A registered station on this page, with the operator's own security key plugged in. */
async function stationWithOperator(fk: FirstKeyHarness, page: Page): Promise<EnrolmentController> {
  const station = await fk.registeredStation();
  const { contents } = await fk.enrolSecurityKey(OPERATOR.username);
  await fk.moveTo(page, station);
  await fk.plugKey(contents);
  return station;
}

async function operatorConfirms(
  page: Page,
  newHire: string,
  operator = OPERATOR.username,
  checks = ['Photo ID checked', "The name matches the new hire's record"],
): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
  await page.getByLabel("New hire's username").fill(newHire);
  for (const check of checks) await page.getByRole('checkbox', { name: check }).check();
  await page.getByLabel('Your username (operator)').fill(operator);
  await page.getByRole('button', { name: 'Confirm with my security key' }).click();
}

/** The new hire's part: their code, their name, their key; returns the recovery codes shown. */
async function newHireEnrols(page: Page, code: string): Promise<string[]> {
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
  await expect(page.getByRole('heading', { name: 'Print your recovery codes' })).toBeVisible();
  return page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
}

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

test.describe('An operator step', () => {
  test('required, recorded with who confirmed whom and what was checked, and refused for a non-operator', async ({ fk, page, lookAt }) => {
    const station = await fk.registeredStation();
    const operator = await fk.enrolSecurityKey(OPERATOR.username);
    const colleague = await fk.enrolSecurityKey('carl.contract');

    // Required: a valid code opens nothing at a station until an operator confirmed its owner there.
    const code = await fk.issueCode('ada.new');
    expect(await refusal(station.handlers.startSession({ code }))).toBe('operator_confirmation_required');

    // A colleague with a security key but no operator role is not an operator, even with the app bypassed.
    await station.handlers.operatorOptions({ operator: 'carl.contract' });
    const options = await station.handlers.operatorOptions({ operator: 'carl.contract' });
    const forged = colleague.key.get({ ...options, allowCredentials: [] }, { origin: fk.origin });
    expect(
      await refusal(station.handlers.confirmNewHire({ response: forged, newHire: 'ada.new', checks: ['photo_id', 'name_matches'] })),
    ).toBe('not_an_operator');

    // Through the screen, the colleague's key cannot answer for an operator.
    await fk.moveTo(page, station);
    await fk.plugKey([...colleague.contents, ...operator.contents]);
    await operatorConfirms(page, 'ada.new', 'carl.contract');
    await expect(page.getByRole('alert')).toContainText('Your security key did not confirm');
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    await lookAt('kiosk-operator-refused');

    // The operator confirms; the same code now opens the session, on this station.
    await page.getByLabel('Your username (operator)').fill(OPERATOR.username);
    await page.getByRole('button', { name: 'Confirm with my security key' }).click();
    await expect(page.getByRole('heading', { name: 'Next: Ada Lovelace' })).toBeVisible();
    await page.getByLabel('Enrolment code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();

    const confirmations = await fk.server.db.selectFrom('kiosk_confirmations').selectAll().execute();
    expect(confirmations).toHaveLength(1);
    const [recorded] = confirmations;
    const [hedy, ada] = await Promise.all([OPERATOR.username, 'ada.new'].map((u) => fk.server.services.accounts.findUser(u)));
    expect(recorded).toMatchObject({ operator_id: hedy?.id, new_hire_id: ada?.id, session_id: expect.any(String) });
    expect(JSON.parse(recorded?.checks ?? '[]')).toEqual(['photo_id', 'name_matches']);
    const events = await fk.server.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((e) => e.event)).toContain('kiosk.confirmed');
  });
});

test.describe('Security keys only', () => {
  test('a passkey (internal transport) is refused by the server for a kiosk session, even with the app bypassed', async ({ fk }) => {
    const station = await fk.registeredStation();
    const operator = await fk.enrolSecurityKey(OPERATOR.username);
    // The operator step, then the session, straight through main's client with the station's own device key.
    const asked = await station.handlers.operatorOptions({ operator: OPERATOR.username });
    await station.handlers.confirmNewHire({
      response: operator.key.get(asked, { origin: fk.origin }),
      newHire: 'ada.new',
      checks: ['photo_id', 'name_matches'],
    });
    const session = await station.handlers.startSession({ code: await fk.issueCode('ada.new') });
    expect(session.allowedFactors).toEqual(['security-key']);
    expect(await refusal(station.handlers.registrationOptions({ factor: 'passkey' }))).not.toBe('accepted');

    const first = await station.handlers.registrationOptions({ factor: 'security-key' });
    expect(first.authenticatorSelection?.authenticatorAttachment).toBe('cross-platform');
    const passkeys = [
      new SoftAuthenticator({ attachment: 'platform', transports: ['internal'] }),
      new SoftAuthenticator({ attachment: 'cross-platform', transports: ['internal'] }),
      new SoftAuthenticator({ attachment: 'cross-platform', transports: ['hybrid'] }),
      new SoftAuthenticator({ attachment: 'cross-platform', transports: ['usb'], backupEligible: true, backedUp: true }),
    ];
    for (const passkey of passkeys) {
      // Each try spends its challenge: fresh options for each, as the app would ask again.
      const options = await station.handlers.registrationOptions({ factor: 'security-key' });
      const response = passkey.create(options, { origin: fk.origin });
      expect(await refusal(station.handlers.verifyRegistration({ factor: 'security-key', response }))).toBe('kiosk_security_key_only');
    }
    expect((await fk.credentials()).filter((c) => c.factor === 'passkey')).toEqual([]);
  });
});

test.describe('A way out only through the operator', () => {
  test("the operator's PIN lets them see the station's health and leave; wrong too often, it locks", async ({ fk, page, lookAt }) => {
    // The operator registers the station with IT's code; that is what lets them choose the first PIN.
    const station = fk.newStation();
    await fk.moveTo(page, station);
    await page.getByLabel('Station code').fill(await fk.issueStationCode('Lobby 1'));
    await page.getByRole('button', { name: 'Register this station' }).click();
    await expect(page.getByRole('heading', { name: 'Choose the operator PIN' })).toBeVisible();
    await lookAt('kiosk-first-pin');
    await page.getByLabel('New PIN', { exact: true }).fill(PIN);
    await page.getByLabel('New PIN again').fill(PIN);
    await page.getByRole('button', { name: 'Save PIN' }).click();
    await expect(page.getByText('The operator PIN is saved.')).toBeVisible();

    await page.getByLabel('Operator PIN').fill(PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('heading', { name: 'Operator settings' })).toBeVisible();
    const health = page.getByRole('definition');
    await expect(health.filter({ hasText: 'Reachable' })).toBeVisible();
    await expect(health.filter({ hasText: 'Valid (Lobby 1)' })).toBeVisible();
    await lookAt('kiosk-operator-panel');
    await page.getByRole('button', { name: 'Leave kiosk mode' }).click();
    await expect.poll(() => fk.kiosk(station).exits).toBe(1);

    // Back to the station: the unlock is gone with the reset.
    await page.getByRole('button', { name: 'Back to the station' }).click();
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    expect(await refusal(station.handlers.exitKiosk(undefined))).toBe('operator_unlock_required');

    await page.getByRole('button', { name: 'Operator settings' }).click();
    for (const left of [4, 3, 2, 1]) {
      await page.getByLabel('Operator PIN').fill('000000');
      await page.getByRole('button', { name: 'Unlock' }).click();
      await expect(page.getByRole('alert')).toContainText(`Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left`);
    }
    await page.getByLabel('Operator PIN').fill('000000');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toContainText('locked for 15 minutes');
    // Locked: even the right PIN does not open it now.
    await page.getByLabel('Operator PIN').fill(PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toContainText('locked for');
    await expect(page.getByRole('heading', { name: 'Operator PIN' })).toBeVisible();
    await lookAt('kiosk-pin-locked');
    expect(await refusal(station.handlers.exitKiosk(undefined))).toBe('operator_unlock_required');
    expect(fk.kiosk(station).exits).toBe(1);
  });
});

test.describe('Station health for the operator', () => {
  test('an unregistered station tells the operator what to do; a revoked one says so and stops', async ({ fk, page, lookAt }) => {
    const station = fk.newStation();
    await fk.moveTo(page, station);
    await expect(page.getByRole('heading', { name: 'This station is not registered yet' })).toBeVisible();
    await expect(page.getByText('npm run admin -- issue-station-code --name "Lobby 1"')).toBeVisible();
    await lookAt('kiosk-unregistered');

    await page.getByLabel('Station code').fill('WRONG-CODE-0000');
    await page.getByRole('button', { name: 'Register this station' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await page.getByLabel('Station code').fill(await fk.issueStationCode('Lobby 1'));
    await page.getByRole('button', { name: 'Register this station' }).click();
    await expect(page.getByRole('heading', { name: 'Choose the operator PIN' })).toBeVisible();

    const [registered] = await fk.server.services.stations.list();
    await fk.server.services.stations.revoke(registered?.id ?? '', 'test-admin');
    await page.reload();
    await expect(page.getByRole('heading', { name: 'This station has been switched off' })).toBeVisible();
    await expect(page.getByLabel("New hire's username")).toHaveCount(0);
    await lookAt('kiosk-revoked');
  });

  test('a station whose key was lost from the keychain says so, makes a new key and is registered again', async ({ fk, page, lookAt }) => {
    const station = await fk.registeredStation();
    await fk.moveTo(page, station);
    await fk.deleteDeviceKey(station);
    // The running app still holds the key in memory; the next start of the station finds it gone.
    await fk.restart(page);
    await expect(page.getByRole('heading', { name: 'This station cannot start' })).toBeVisible();
    await expect(page.getByText("This station's own key is gone from the system keychain")).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: 'Not checked' })).toBeVisible();
    await lookAt('kiosk-station-key-lost');
    await page.getByRole('button', { name: 'Make a new station key' }).click();
    await expect(page.getByRole('heading', { name: 'This station is not registered yet' })).toBeVisible();
    await page.getByLabel('Station code').fill(await fk.issueStationCode('Lobby 1'));
    await page.getByRole('button', { name: 'Register this station' }).click();
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
  });
});

test.describe('No PIN means not ready, and nobody can set the first PIN on their own', () => {
  test('a station registered in an earlier run without a PIN serves nobody and asks for a new station code, then the PIN', async ({
    fk,
    page,
    lookAt,
  }) => {
    const station = fk.newStation();
    await station.handlers.registerStation({ code: await fk.issueStationCode('Lobby 1') });
    await fk.moveTo(page, station);
    // The next start of the app (or a keychain that lost the PIN): registered, but nobody chose a PIN in this run.
    const nextRun = await fk.restart(page);
    await expect(page.getByRole('heading', { name: 'This station has no operator PIN' })).toBeVisible();
    await expect(page.getByLabel("New hire's username")).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Operator settings' })).toHaveCount(0);
    await expect(page.getByLabel('New PIN', { exact: true })).toHaveCount(0);
    expect(await refusal(nextRun.handlers.setOperatorPin({ pin: PIN }))).toBe('fresh_registration_required');
    expect(await refusal(nextRun.handlers.operatorOptions({ operator: OPERATOR.username }))).toBe('operator_pin_missing');
    await lookAt('kiosk-no-pin');

    await page.getByLabel('Station code').fill(await fk.issueStationCode('Lobby 1'));
    await page.getByRole('button', { name: 'Register this station' }).click();
    await expect(page.getByRole('heading', { name: 'Choose the operator PIN' })).toBeVisible();
    await page.getByLabel('New PIN', { exact: true }).fill(PIN);
    await page.getByLabel('New PIN again').fill(PIN);
    await page.getByRole('button', { name: 'Save PIN' }).click();
    await expect(page.getByText('The operator PIN is saved.')).toBeVisible();
    await page.getByRole('button', { name: 'Back to the station' }).click();
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
  });

  test("a walk-up user's Operator settings offer no first PIN on a station that has none", async ({ fk, page }) => {
    await fk.moveTo(page, fk.newStation());
    await expect(page.getByRole('heading', { name: 'This station is not registered yet' })).toBeVisible();
    await page.getByRole('button', { name: 'Operator settings' }).click();
    await expect(page.getByRole('heading', { name: 'No operator PIN yet' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Choose the operator PIN' })).toHaveCount(0);
    await expect(page.getByLabel('New PIN', { exact: true })).toHaveCount(0);
  });
});

test.describe('The page never falls back to the personal app on a station', () => {
  test('when main cannot say what the station is, a station error shows, not the personal code screen', async ({ fk, page, lookAt }) => {
    const station = await fk.registeredStation();
    fk.failCall('stationStatus');
    await fk.moveTo(page, station);
    await expect(page.getByRole('heading', { name: 'This station cannot check its registration' })).toBeVisible();
    await expect(page.getByText('This station cannot check its registration: tell IT.')).toBeVisible();
    await expect(page.getByLabel('Enrolment code')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /lost my sign-in key/i })).toHaveCount(0);
    await lookAt('kiosk-station-error');
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
