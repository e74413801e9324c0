import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { FirstKeyHarness } from './harness.js';
import { enterCode as openWithCode, keepRecoveryCodes } from './journey.js';

test.describe('the organisation decides which keys each person may bind', () => {
  test('a privileged user is offered only a security key and told why', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await openWithCode(page, await fk.issueCode('grace.admin'));
    // One kind allowed: named in a sentence, with nothing to choose.
    await expect(page.getByRole('radio')).toHaveCount(0);
    await expect(page.getByText('You will set up a security key')).toBeVisible();
    await expect(page.getByRole('button', { name: 'This is me: set up my security key' })).toBeEnabled();
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
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await expect(page.getByRole('alert')).toContainText('Your organisation does not accept this key model for your account');
    await lookAt('4-ceremony-key-refused');
    expect(await fk.credentials()).toHaveLength(0);
    const refusal = await fk.server.db
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'factor.refused')
      .executeTakeFirst();
    expect(JSON.parse(refusal?.details ?? '{}')).toMatchObject({ reason: 'attestation_untrusted', tier: 'privileged' });
  });

  test('a contractor sees that the key is device-bound and time-limited, and when it ends', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await openWithCode(page, await fk.issueCode('carl.contract'));
    const requirements = page.getByRole('region', { name: 'What your organisation requires' });
    await expect(requirements).toContainText('Passkeys that sync to other devices');
    await expect(requirements).toContainText('will stop working when your access period ends');
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await keepRecoveryCodes(page);
    await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Valid until');
    // Issue 14: no card says "Unknown authenticator"; a model nobody names is shown by its kind.
    await expect(page.getByRole('list', { name: 'Registered' })).not.toContainText('Unknown authenticator');
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

test.describe("attestation trusted through the operator's metadata", () => {
  // The operator's metadata lists Chromium's virtual security key (its AAGUID and the batch
  // certificate it attests with, test/fixtures) as an approved model, signed by the test's own FIDO root.
  // Chromium re-issues that certificate for the same fixed key at every start; the anchor is its name and key.
  const VIRTUAL_KEY_AAGUID = '01020304-0506-0708-0102-030405060708';

  async function trustedStack(allow: string[]) {
    const { readFileSync } = await import('node:fs');
    const { X509Certificate } = await import('node:crypto');
    const { createMdsWorld } = await import('../support/make-mds-blob.js');
    const world = createMdsWorld();
    const batch = new X509Certificate(readFileSync('test/fixtures/chromium-virtual-authenticator-attestation.pem'));
    const blob = await world.makeBlob({
      entries: [
        {
          aaguid: VIRTUAL_KEY_AAGUID,
          description: 'Chromium virtual security key',
          roots: [new Uint8Array(batch.raw)],
          statusReports: [{ status: 'FIDO_CERTIFIED' }],
        },
      ],
    });
    const policy = world.writeFile(
      'policy.yaml',
      [
        'version: 1',
        'tiers:',
        '  standard: { factors: [passkey, security-key] }',
        `  privileged: { factors: [security-key], userVerification: required, attestation: direct, requireTrustedAttestation: true, syncedPasskeys: refuse, aaguids: { allow: [${allow.join(', ')}] } }`,
        'rules:',
        '  - { match: { role: [admin] }, tier: privileged }',
        '  - { tier: standard }',
      ].join('\n'),
    );
    const fk = new FirstKeyHarness();
    await fk.start({
      mdsBlobFile: world.writeFile('blob.jwt', blob),
      mdsRootFile: world.writeFile('root.pem', world.fidoRoot.pem),
      policyFile: policy,
    });
    return { fk, world };
  }

  /** Grace (an admin) tries to enrol Chromium's virtual security key under a policy allowing `allow`. */
  async function privilegedEnrolment(browser: Browser, allow: string[], then: (page: Page, fk: FirstKeyHarness) => Promise<void>) {
    const { fk, world } = await trustedStack(allow);
    const context = await browser.newContext({ viewport: { width: 760, height: 800 } });
    const page = await context.newPage();
    try {
      await fk.attach(context, page);
      await fk.addAuthenticator({ transport: 'usb' });
      await fk.open(page);
      await openWithCode(page, await fk.issueCode('grace.admin'));
      await page.getByRole('button', { name: /^This is me:/ }).click();
      await then(page, fk);
    } finally {
      await context.close();
      await fk.stop();
      world.cleanup();
    }
  }

  test('a privileged user enrols an approved security key, shown by its name', async ({ browser }) => {
    await privilegedEnrolment(browser, [VIRTUAL_KEY_AAGUID], async (page, fk) => {
      await keepRecoveryCodes(page);
      await expect(page.getByRole('list', { name: 'Registered' })).toContainText('Chromium virtual security key');
      const [credential] = await fk.credentials();
      expect(credential).toMatchObject({
        factor: 'security-key',
        status: 'active',
        policy_tier: 'privileged',
        attestation_format: 'packed',
      });
    });
  });

  test('a key model that is not on the allowlist is refused with words a person understands', async ({ browser }) => {
    await privilegedEnrolment(browser, ['2fc0579f-8113-47ea-b116-bb5a8db9202a'], async (page, fk) => {
      await expect(page.getByRole('alert')).toContainText('it is not one your IT team has approved');
      expect(await fk.credentials()).toHaveLength(0);
    });
  });
});
