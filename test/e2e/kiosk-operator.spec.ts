import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { expect, test } from './fixtures.js';
import { OPERATOR, operatorConfirms, refusal, withOnboardingOperator } from './kiosk-support.js';

/**
 * Kiosk stations end to end (see kiosk.spec.ts): the operator's confirmation that opens a station to a
 * new hire, and the server's refusal of anything but a security key there.
 */

withOnboardingOperator();

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

    // Through the screen, the colleague's key signs (the options name it, as the app's do) and the server
    // refuses it: not an operator.
    await fk.moveTo(page, station);
    await fk.plugKey([...colleague.contents, ...operator.contents]);
    await operatorConfirms(page, 'ada.new', 'carl.contract');
    await expect(page.getByRole('alert')).toContainText('Only an operator can confirm new hires here');
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
