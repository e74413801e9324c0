import { expect, test } from './fixtures.js';
import { OPERATOR, PIN, refusal, withOnboardingOperator } from './kiosk-support.js';

/**
 * Kiosk stations end to end (see kiosk.spec.ts): the operator PIN and the only way out of kiosk mode,
 * the station's health as the operator sees it, and a station that never falls back to the personal app.
 */

withOnboardingOperator();

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
