import type { Page } from '@playwright/test';
import { SoftHidBus, SoftSecurityKey, type SoftSecurityKeyOptions } from '../support/ctap2/index.js';
import { expect, test } from './fixtures.js';
import type { FirstKeyHarness } from './harness.js';
import { enterCode, keepRecoveryCodes } from './journey.js';

/**
 * Issue 11 end to end: a Linux laptop (no PIN prompt from Electron there) enrolling a contractor's
 * security key through FirstKey's own screens. The page is the real renderer build in Chromium; its
 * calls go through main's gate and controller; main's CTAP2 client talks CTAPHID to a software
 * security key on a software USB bus (in place of node-hid); the real server verifies the result.
 */
const PIN = '4826';

async function laptopWithKeys(page: Page, fk: FirstKeyHarness, ...keys: SoftSecurityKeyOptions[]) {
  const bus = new SoftHidBus();
  const plugged = keys.map((options) => {
    const key = new SoftSecurityKey(options);
    bus.plug(key);
    return key;
  });
  fk.useNativeKeys(page, bus, 'linux');
  await fk.open(page);
  await enterCode(page, await fk.issueCode('carl.contract'));
  return { bus, keys: plugged };
}

/** The contractor confirms; on this computer only a security key can be made, and the page says why. */
async function chooseSecurityKey(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  await expect(page.getByText('This computer has no built-in authenticator FirstKey can use')).toBeVisible();
  await expect(page.getByText('If your security key has a PIN, FirstKey asks for it on the next screen')).toBeVisible();
  await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
}

async function typePin(page: Page, pin: string): Promise<void> {
  await expect(page.getByRole('heading', { name: "Enter your security key's PIN" })).toBeVisible();
  await page.getByLabel('PIN of your security key').fill(pin);
  await page.getByRole('button', { name: 'Continue' }).click();
}

test.describe('issue 11: security keys with a PIN on Linux and macOS, through FirstKey', () => {
  test('a contractor with a PIN-protected key enrols; the server verifies it', async ({ page, fk, lookAt }) => {
    await laptopWithKeys(page, fk, { pin: PIN });
    await expect(page.getByRole('radio', { name: /passkey/ })).toBeDisabled();
    await lookAt('native-1-choose-linux');
    await chooseSecurityKey(page);
    await expect(page.getByRole('heading', { name: "Enter your security key's PIN" })).toBeVisible();
    // The field has focus, and says how many tries are left and what happens at zero.
    await expect(page.getByLabel('PIN of your security key')).toBeFocused();
    await expect(page.getByText('8 tries left. At zero, the key locks its PIN for good')).toBeVisible();
    await lookAt('native-2-pin');
    await typePin(page, PIN);
    await keepRecoveryCodes(page);
    const [credential] = await fk.credentials();
    expect(credential).toMatchObject({ factor: 'security-key', policy_tier: 'contractor', status: 'active' });
    // The PIN went from main to the key and nowhere else.
    expect((await fk.logLines()).filter((line) => line.includes(PIN))).toEqual([]);
  });

  test('wrong PIN twice, then right', async ({ page, fk, lookAt }) => {
    const { keys } = await laptopWithKeys(page, fk, { pin: PIN });
    await chooseSecurityKey(page);
    await typePin(page, '1111');
    await expect(page.getByRole('alert')).toHaveText('That PIN is not right.');
    await expect(page.getByText('7 tries left.')).toBeVisible();
    await expect(page.getByLabel('PIN of your security key')).toHaveValue('');
    await typePin(page, '2222');
    await expect(page.getByText('6 tries left.')).toBeVisible();
    await expect(page.getByText('After 1 more wrong PIN in a row, unplug the key and plug it back in')).toBeVisible();
    await lookAt('native-3-pin-wrong');
    await typePin(page, PIN);
    await keepRecoveryCodes(page);
    expect(keys[0]?.pinRetriesLeft()).toBe(8);
    expect(await fk.credentials()).toHaveLength(1);
  });

  test('three wrong PINs in a row: unplug the key and plug it back in, then the PIN again', async ({ page, fk, lookAt }) => {
    const { keys } = await laptopWithKeys(page, fk, { pin: PIN });
    const key = keys[0] as SoftSecurityKey;
    await chooseSecurityKey(page);
    for (const wrong of ['1111', '2222', '3333']) await typePin(page, wrong);
    await expect(page.getByRole('heading', { name: 'Unplug your key and plug it back in' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Unplug your key and plug it back in' })).toBeFocused();
    await lookAt('native-3b-replug');
    key.replug();
    await expect(page.getByText('5 tries left.')).toBeVisible();
    await typePin(page, PIN);
    await keepRecoveryCodes(page);
    expect(await fk.credentials()).toHaveLength(1);
  });

  test('PIN blocked: the last try wrong says what it means and registers nothing', async ({ page, fk, lookAt }) => {
    await laptopWithKeys(page, fk, { pin: PIN, retries: 1 });
    await chooseSecurityKey(page);
    await expect(page.getByText('1 try left. If it is wrong too, the key locks its PIN for good')).toBeVisible();
    await typePin(page, '0000');
    await expect(page.getByRole('alert')).toContainText("This key's PIN is blocked after too many wrong tries");
    await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
    await lookAt('native-4-pin-blocked');
    expect(await fk.credentials()).toHaveLength(0);
  });

  test('a key without a PIN gets one set, at the key minimum length', async ({ page, fk, lookAt }) => {
    const { keys } = await laptopWithKeys(page, fk, { minPinLength: 6 });
    await chooseSecurityKey(page);
    await expect(page.getByRole('heading', { name: 'Set a PIN for this key' })).toBeVisible();
    await expect(page.getByText('At least 6 characters.')).toBeVisible();
    await lookAt('native-5-set-pin');
    await page.getByLabel('New PIN').fill('hütte7');
    await page.getByLabel('Type the PIN again').fill('hütte8');
    await page.getByRole('button', { name: 'Set the PIN and continue' }).click();
    await expect(page.getByRole('alert')).toHaveText('The two PINs are not the same. Type them again.');
    await page.getByLabel('New PIN').fill('hütte7');
    await page.getByLabel('Type the PIN again').fill('hütte7');
    await page.getByRole('button', { name: 'Set the PIN and continue' }).click();
    await keepRecoveryCodes(page);
    expect(keys[0]?.hasPin()).toBe(true);
    expect(await fk.credentials()).toHaveLength(1);
  });

  test('a key already registered: "Add a backup key now" with the same key says so, and adds nothing', async ({ page, fk, lookAt }) => {
    await laptopWithKeys(page, fk, { pin: PIN });
    await chooseSecurityKey(page);
    await typePin(page, PIN);
    await keepRecoveryCodes(page);
    // The key just made confirms it is them (main's assertion, its PIN), then the spare is asked for: the same key.
    await page.getByRole('button', { name: 'Add a backup key now' }).click();
    await typePin(page, PIN);
    await typePin(page, PIN);
    await expect(page.getByRole('alert')).toContainText('This key is already registered to your account');
    await lookAt('native-5b-already-registered');
    expect(await fk.credentials()).toHaveLength(1);
  });

  test('a key that cannot check the person, for a tier that requires it, is refused with what to do', async ({ page, fk }) => {
    await laptopWithKeys(page, fk, { uv: 'none' });
    await chooseSecurityKey(page);
    await expect(page.getByRole('alert')).toContainText('This key cannot check your fingerprint or PIN, which your organisation requires');
    expect(await fk.credentials()).toHaveLength(0);
  });

  test('Cancel really cancels: the key stops waiting for its touch', async ({ page, fk, lookAt }) => {
    const { keys } = await laptopWithKeys(page, fk, { pin: PIN, touch: 'manual' });
    const key = keys[0] as SoftSecurityKey;
    await chooseSecurityKey(page);
    await typePin(page, PIN);
    await expect(page.getByRole('heading', { name: 'Touch your security key' })).toBeVisible();
    await key.untilTouchNeeded();
    await lookAt('native-6-touch');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('The request was cancelled or timed out');
    expect(key.waitingForTouch()).toBe(false);
    expect(key.credentials()).toEqual([]);
    expect(await fk.credentials()).toHaveLength(0);
  });

  test('a key pulled mid-ceremony, then plugged back in: insert, PIN, touch, done', async ({ page, fk, lookAt }) => {
    const { bus, keys } = await laptopWithKeys(page, fk, { pin: PIN, touch: 'manual' });
    const key = keys[0] as SoftSecurityKey;
    await chooseSecurityKey(page);
    await typePin(page, PIN);
    await key.untilTouchNeeded();
    bus.unplug(key);
    await expect(page.getByRole('alert')).toContainText('The security key was unplugged before it finished');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: 'Insert your security key' })).toBeVisible();
    await lookAt('native-7-insert');
    bus.plug(key);
    await typePin(page, PIN);
    await key.untilTouchNeeded();
    key.touch();
    await keepRecoveryCodes(page);
    expect(await fk.credentials()).toHaveLength(1);
  });

  test('two keys plugged in: the one touched is used', async ({ page, fk, lookAt }) => {
    const { keys } = await laptopWithKeys(page, fk, { pin: PIN, touch: 'manual' }, { pin: PIN, touch: 'manual' });
    const [first, second] = keys as [SoftSecurityKey, SoftSecurityKey];
    await chooseSecurityKey(page);
    await expect(page.getByRole('heading', { name: 'Touch the key you want to use' })).toBeVisible();
    await expect(page.getByText('2 security keys are connected')).toBeVisible();
    await lookAt('native-8-choose-key');
    await second.untilTouchNeeded();
    second.touch();
    await typePin(page, PIN);
    await second.untilTouchNeeded();
    second.touch();
    await keepRecoveryCodes(page);
    expect(second.credentials()).toHaveLength(1);
    expect(first.credentials()).toEqual([]);
  });
  test('signing in with the PIN-protected key (Manage my sign-in keys): FirstKey asks for the PIN over the sign-in screen', async ({
    page,
    fk,
    lookAt,
  }) => {
    await laptopWithKeys(page, fk, { pin: PIN });
    await chooseSecurityKey(page);
    await typePin(page, PIN);
    await keepRecoveryCodes(page);
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
    await page.getByLabel('Username').fill('carl.contract');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('heading', { name: "Enter your security key's PIN" })).toBeVisible();
    await lookAt('native-9-sign-in-pin');
    await typePin(page, '9999');
    await expect(page.getByRole('alert')).toHaveText('That PIN is not right.');
    await typePin(page, PIN);
    await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Sign-in keys' }).getByRole('listitem')).toHaveCount(1);
  });
});

test.describe('issue 11: a kiosk station on Linux', () => {
  test.use({ serverSettings: { kioskOperatorRoles: ['onboarding'] } });

  test("the operator confirms with their PIN key and the new hire enrols theirs, both through FirstKey's PIN screens", async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.server.services.accounts.createUser({ username: 'hedy.ops', displayName: 'Hedy Lamarr', role: 'onboarding' }, 'test');
    await fk.server.services.operatorRoles.grant('hedy.ops', 'helpdesk', 'test-admin');
    const bus = new SoftHidBus();
    fk.useNativeKeys(page, bus, 'linux');

    // The operator's own key, enrolled on their own Linux laptop through main's native ceremony.
    const operatorKey = new SoftSecurityKey({ pin: '7391' });
    bus.plug(operatorKey);
    const laptop = fk.newDevice();
    await laptop.handlers.startSession({ code: await fk.issueCode('hedy.ops') });
    await laptop.handlers.registrationOptions({ factor: 'security-key' });
    const registered = laptop.handlers.nativeRegister({ factor: 'security-key' });
    expect(await laptop.handlers.nativeKeyStatus({ after: 0 })).toMatchObject({ state: 'pin' });
    await laptop.handlers.nativeKeySubmitPin({ pin: '7391' });
    await registered;
    await laptop.handlers.completeSession(undefined);

    const station = await fk.registeredStation();
    await fk.moveTo(page, station);
    await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
    await page.getByLabel("New hire's username").fill('ada.new');
    for (const check of ['Photo ID checked', "The name matches the new hire's record"])
      await page.getByRole('checkbox', { name: check }).check();
    await page.getByLabel('Your username (operator)').fill('hedy.ops');
    await page.getByRole('button', { name: 'Confirm with my security key' }).click();
    await expect(page.getByRole('heading', { name: "Enter your security key's PIN" })).toBeVisible();
    await lookAt('native-10-kiosk-operator-pin');
    await typePin(page, '7391');
    await expect(page.getByRole('heading', { name: 'Next: Ada Lovelace' })).toBeVisible();

    // The operator takes their key; the new hire plugs in theirs, which has a PIN.
    bus.unplug(operatorKey);
    const adaKey = new SoftSecurityKey({ pin: PIN });
    bus.plug(adaKey);
    await page.getByLabel('Enrolment code').fill(await fk.issueCode('ada.new'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await typePin(page, PIN);
    await expect(page.getByRole('heading', { name: 'Print your recovery codes' })).toBeVisible();
    expect(adaKey.credentials()).toHaveLength(1);
    expect((await fk.credentials()).map((c) => c.factor)).toEqual(['security-key', 'security-key']);
  });
});

test.describe('issue 11: what each OS offers, as the page is told at start', () => {
  test("macOS with Touch ID configured: a standard user makes a passkey (Chromium's internal authenticator stands in for Touch ID)", async ({
    page,
    fk,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    fk.useNativeKeys(page, new SoftHidBus(), 'darwin', 'configured');
    await fk.open(page);
    await enterCode(page, await fk.issueCode('ada.new'));
    await expect(page.getByRole('radio', { name: /A passkey on this computer/ })).toBeEnabled();
    await page.getByRole('radio', { name: /A passkey on this computer/ }).check();
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    await keepRecoveryCodes(page);
    expect((await fk.credentials()).map((c) => c.factor)).toEqual(['passkey']);
  });

  test('macOS where the build could not configure Touch ID: no passkey offered, and the page says why', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    fk.useNativeKeys(page, new SoftHidBus(), 'darwin', 'unconfigured');
    await fk.open(page);
    await enterCode(page, await fk.issueCode('ada.new'));
    await expect(page.getByRole('radio', { name: /A passkey on this computer/ })).toBeDisabled();
    await expect(page.getByText('Touch ID is not set up for FirstKey on this Mac')).toBeVisible();
    await lookAt('native-11-mac-no-touch-id');
  });

  test("Windows: a contractor's security key with a PIN goes to the OS (webauthn.dll asks for the PIN), not FirstKey's screens", async ({
    page,
    fk,
  }) => {
    // Chromium's virtual USB key with user verification stands in for the key behind Windows' own dialog.
    await fk.addAuthenticator({ transport: 'usb' });
    const bus = new SoftHidBus();
    const unused = new SoftSecurityKey({ pin: PIN });
    bus.plug(unused);
    fk.useNativeKeys(page, bus, 'win32');
    await fk.open(page);
    await enterCode(page, await fk.issueCode('carl.contract'));
    await expect(page.getByText('If your security key has a PIN, FirstKey asks for it')).toHaveCount(0);
    await page.getByRole('radio', { name: /A security key/ }).check();
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await keepRecoveryCodes(page);
    expect(unused.credentials()).toEqual([]);
    expect((await fk.credentials()).map((c) => c.factor)).toEqual(['security-key']);
  });
});
