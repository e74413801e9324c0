import type { FirstKeyBridge } from '../../api/ipc.js';
import { expect, test } from './fixtures.js';

/** The page's view of the preload's bridge, for tests that call it as an attacker in the page would. */
type PageWindow = Window & { firstkey?: FirstKeyBridge };

test.describe('reaching the app', () => {
  test('a code from a firstkey:// link is filled in for the person', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    // What main does when the OS hands it firstkey://enrol?code=...
    fk.controller.offerLaunchCode(code);
    await fk.open(page);
    await expect(page.getByRole('status').filter({ hasText: 'We filled in the code from the link you opened.' })).toBeVisible();
    await expect(page.getByLabel('Enrolment code')).toHaveValue(code);
    await lookAt('1-enter-code-from-link');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  });

  test('the whole enrolment works from the keyboard alone, in German', async ({ browser }, testInfo) => {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 760, height: 800 } });
    const page = await context.newPage();
    const { FirstKeyHarness } = await import('./harness.js');
    const fk = new FirstKeyHarness();
    await fk.start();
    try {
      await fk.attach(context, page);
      await fk.addAuthenticator({ transport: 'internal' });
      const code = await fk.issueCode();
      await fk.open(page);

      await expect(page.getByRole('heading', { name: 'Anmeldeschlüssel einrichten' })).toBeVisible();
      // The window opens with focus at the start of the page: the language picker first, then the code field.
      await page.keyboard.press('Tab');
      await expect(page.getByLabel('Sprache')).toBeFocused();
      await page.keyboard.press('Tab');
      await expect(page.getByLabel('Einrichtungscode')).toBeFocused();
      await page.keyboard.type(code);
      await page.keyboard.press('Enter');

      await expect(page.getByRole('heading', { name: 'Sind Sie das?' })).toBeFocused();
      await page.keyboard.press('Tab');
      await expect(page.getByRole('radio', { name: /Ein Passkey auf diesem Computer/ })).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await expect(page.getByRole('radio', { name: /Ein Sicherheitsschlüssel/ })).toBeChecked();
      await expect(page.getByRole('button', { name: 'Das bin ich: Sicherheitsschlüssel einrichten' })).toBeVisible();
      await page.keyboard.press('ArrowUp');
      await expect(page.getByRole('button', { name: 'Das bin ich: Passkey erstellen' })).toBeVisible();
      await page.keyboard.press('Enter');

      await expect(page.getByRole('heading', { name: 'Wiederherstellungscodes sichern' })).toBeFocused();
      for (let i = 0; i < 4; i++) await page.keyboard.press('Tab'); // copy, save, print, then "I have saved them"
      await expect(page.getByRole('button', { name: 'Ich habe meine Wiederherstellungscodes gesichert' })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page.getByRole('heading', { name: 'Alles erledigt' })).toBeVisible();
      await page.screenshot({ path: testInfo.outputPath('done-de.png') });
      expect(await fk.credentials()).toHaveLength(1);
    } finally {
      await fk.stop();
      await context.close();
    }
  });
});

test.describe('trust boundaries the page cannot cross', () => {
  test('the renderer cannot reach the network, not even the verification server', async ({ page, fk }) => {
    await fk.open(page);
    const reached = await page.evaluate(async (url) => {
      try {
        await fetch(`${url}/healthz`);
        return true;
      } catch {
        return false;
      }
    }, fk.server.url);
    expect(reached).toBe(false);
  });

  test('the page has no Node, no ipcRenderer, only the named bridge functions', async ({ page, fk }) => {
    await fk.open(page);
    const surface = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      bridge: Object.keys((window as PageWindow).firstkey ?? {}).sort(),
    }));
    expect(surface.require).toBe('undefined');
    expect(surface.process).toBe('undefined');
    expect(surface.bridge).toEqual(
      [
        'authenticate',
        'authenticationOptions',
        'completeSession',
        'currentSession',
        'endSession',
        'fileRecoveryRequest',
        'recover',
        'recoveryRequestStatus',
        'regenerateRecoveryCodes',
        'registrationOptions',
        'removeDevice',
        'removeFactor',
        'renameFactor',
        'securityOverview',
        'startSession',
        'takeLaunchCode',
        'waitForLaunchCode',
        'deviceKeyStatus',
        'replaceDeviceKey',
        'exportDiagnostics',
        'verifyRegistration',
        // Kiosk stations: refused by main (not_a_kiosk) unless managed configuration made this a station.
        'stationStatus',
        'registerStation',
        'operatorOptions',
        'confirmNewHire',
        'printRecoveryCodes',
        'resetStation',
        'operatorPinStatus',
        'setOperatorPin',
        'verifyOperatorPin',
        'exitKiosk',
        // A new computer approved from the old one: both request ids stay in main.
        'fileApprovalRequest',
        'approvalRequestStatus',
        'collectApproval',
        'findApprovalRequest',
        'decideApprovalRequest',
        // The security-key ceremony main runs where the OS cannot ask for a PIN; the PIN goes to main only.
        'computerCapabilities',
        'ceremonyPath',
        'nativeRegister',
        'nativeAuthenticate',
        'nativeKeyStatus',
        'nativeKeySubmitPin',
        'nativeKeySetPin',
        'nativeKeyCancel',
        // The time per screen of an enrolment session, named by its id (main holds the token).
        'reportStepTimings',
        // Emergency access to a service account the person owns: grants named only as main showed them.
        'myEmergencyAccess',
        'requestEmergencyAccess',
        'activateEmergencyAccess',
        'endEmergencyAccess',
      ].sort(),
    );
  });

  test('a forged call with a bad payload is refused by main, and the token never reaches the page', async ({ page, fk }) => {
    await fk.open(page);
    const code = await fk.issueCode();
    const outcome = await page.evaluate(async (c) => {
      const bridge = (window as PageWindow).firstkey;
      if (!bridge) throw new Error('the preload exposed no window.firstkey');
      const bad = await (bridge.registrationOptions as (r: unknown) => Promise<unknown>)({ factor: 'password' });
      const started = await bridge.startSession({ code: c });
      return { bad, started: JSON.stringify(started) };
    }, code);
    expect(outcome.bad).toMatchObject({ ok: false, error: { code: 'bad_payload' } });
    expect(outcome.started).toContain('"ok":true');
    expect(outcome.started).not.toMatch(/token/i);
  });
});
