import { expect, test } from './fixtures.js';
import { enterCode as openWithCode } from './journey.js';

test.describe('the organisation decides which keys each person may bind', () => {
  test('a privileged user is offered only a security key and told why', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await openWithCode(page, await fk.issueCode('grace.admin'));
    await page.getByRole('button', { name: 'Yes, continue' }).click();

    await expect(page.getByRole('radio')).toHaveCount(1);
    await expect(page.getByRole('radio', { name: /A security key/ })).toBeChecked();
    const requirements = page.getByRole('region', { name: 'What your organisation requires' });
    await expect(requirements).toContainText('Your role needs a hardware security key');
    await expect(requirements).toContainText('Only security key models your organisation has approved');
    await lookAt('3-choose-factor-privileged');
  });

  test('a security key the organisation cannot vouch for is refused for a privileged user', async ({ page, fk, lookAt }) => {
    // No attestation metadata is configured here, so no key model can be trusted.
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await openWithCode(page, await fk.issueCode('grace.admin'));
    await page.getByRole('button', { name: 'Yes, continue' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toContainText('Your organisation does not accept this key for your account');
    await lookAt('4-ceremony-key-refused');
    expect(await fk.credentials()).toHaveLength(0);
    const refusal = await fk.server.db.selectFrom('audit_events').select('details').where('event', '=', 'factor.refused').executeTakeFirst();
    expect(JSON.parse(refusal?.details ?? '{}')).toMatchObject({ reason: 'attestation_untrusted', tier: 'privileged' });
  });

  test('a contractor sees that the key is device-bound and time-limited, and when it ends', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await openWithCode(page, await fk.issueCode('carl.contract'));
    await page.getByRole('button', { name: 'Yes, continue' }).click();
    const requirements = page.getByRole('region', { name: 'What your organisation requires' });
    await expect(requirements).toContainText('Passkeys that sync to other devices');
    await expect(requirements).toContainText('will stop working when your access period ends');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Valid until');
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Unknown authenticator');
    await lookAt('5-done-contractor');
    const [credential] = await fk.credentials();
    expect(credential?.expires_at).not.toBeNull();
    expect(credential?.policy_tier).toBe('contractor');
  });

  test('an account used by a program is refused, with what to use instead', async ({ page, fk, lookAt }) => {
    const code = await fk.issueCode('ada.new');
    // The directory sync reclassifies the account as non-human after the code went out.
    await fk.server.db.updateTable('users').set({ account_kind: 'service' }).where('username', '=', 'ada.new').execute();
    await fk.open(page);
    await openWithCode(page, code);
    await expect(page.getByRole('alert')).toContainText('workload identity and short-lived credentials');
    await lookAt('1-enter-code-service-account');
    expect(await fk.server.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });
});
