import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import type { Page } from '@playwright/test';
import { parseEnvFile } from '../../electron/main/device/os-name.js';
import { expect, test } from './fixtures.js';
import { FirstKeyHarness } from './harness.js';
import { enterCode, keepRecoveryCodes } from './journey.js';

/**
 * Issue 14, "Names people don't recognise": every card read "Authenticator: Unknown
 * authenticator" and computers read "vm · linux 6.18.44-fc-v595". Keys are named by the
 * person during setup, else by their model (the operator's metadata, the bundled AAGUID list),
 * else by their kind; computers by their name and the OS's own name for itself.
 */

/** What Chromium's virtual authenticator puts in every credential it makes (test/fixtures/README.md). */
const VIRTUAL_AUTHENTICATOR_AAGUID = '01020304-0506-0708-0102-030405060708';

/** This machine as the OS names it: what the harness's real device signals report. */
function thisComputer(): string {
  const pretty = parseEnvFile(readFileSync('/etc/os-release', 'utf8')).get('PRETTY_NAME') ?? 'Linux';
  return `${hostname()} · ${pretty}`;
}

async function manageKeys(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Back to the start' }).click();
  await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
  await page.getByLabel('Username').fill('ada.new');
  await page.getByRole('button', { name: 'Use my key' }).click();
  await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
}

test.describe("Names people don't recognise", () => {
  test('a passkey kept at the default name is named by its kind on every card, never "Unknown authenticator"', async ({ page, fk }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    // Prefilled: doing nothing with it costs no action.
    await expect(page.getByLabel('Name for this key')).toHaveValue('Passkey on this computer');
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    await keepRecoveryCodes(page);

    const card = page.getByRole('list', { name: 'Registered' }).getByRole('listitem');
    await expect(card).toHaveCount(1);
    await expect(card.locator('.factor-name')).toHaveText('Passkey on this computer');
    await expect(page.getByRole('list', { name: 'Registered' })).not.toContainText(/Unknown authenticator|Authenticator:/);

    // What Chromium sent, and why the card shows the kind: its AAGUID names no product in the list.
    const [credential] = await fk.credentials();
    expect(credential).toMatchObject({ aaguid: VIRTUAL_AUTHENTICATOR_AAGUID, authenticator_name: null, name: null });
  });

  test('the person names the key during setup; the name is on the last screen and in My security, with the computer named as its OS names it', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('radio', { name: /A security key/ }).check();
    const name = page.getByLabel('Name for this key');
    await expect(name).toHaveValue('Security key');
    // Control characters a paste brings along are dropped as typed, never refused after the touch.
    await name.fill('Blue key on my keyring\u202E');
    await expect(name).toHaveValue('Blue key on my keyring');
    await lookAt('names-1-confirm-with-key-name');
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await keepRecoveryCodes(page);

    const card = page.getByRole('list', { name: 'Registered' }).getByRole('listitem');
    await expect(card.locator('.factor-name')).toHaveText('Blue key on my keyring');
    await expect(card).toContainText('Security key');
    await lookAt('names-2-done-named-key');
    expect((await fk.credentials())[0]?.name).toBe('Blue key on my keyring');

    await manageKeys(page);
    const keys = page.getByRole('list', { name: 'Sign-in keys' });
    await expect(keys.getByRole('listitem').locator('.factor-name')).toHaveText(['Blue key on my keyring']);
    await expect(page.getByRole('button', { name: 'Rename Blue key on my keyring' })).toBeVisible();
    const computers = page.getByRole('list', { name: 'Computers' });
    await expect(computers.getByRole('listitem').locator('.factor-name')).toHaveText(`${thisComputer()} (this computer)`);
    await expect(computers).not.toContainText(release());
    await expect(computers).not.toContainText(/\blinux\b/);
  });

  test('the backup key is named on the last screen, before "Add a backup key now", and the name is not reused for the next key', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    await keepRecoveryCodes(page);

    const backupName = page.getByLabel('Name for your backup key');
    await expect(backupName).toHaveValue('Security key');
    await backupName.fill('Spare key in the desk drawer');
    await lookAt('names-3-done-backup-key-name');
    await fk.addAuthenticator({ transport: 'usb', alongside: true });
    await page.getByRole('button', { name: 'Add a backup key now' }).click();
    const cards = page.getByRole('list', { name: 'Registered' }).getByRole('listitem').locator('.factor-name');
    await expect(cards).toHaveText(['Passkey on this computer', 'Spare key in the desk drawer'], { useInnerText: true });
    await expect(page.getByLabel('Name for your backup key')).toHaveCount(0);

    // My security's "Add a key" starts from the default again: the spare's name was used once.
    await manageKeys(page);
    await page.getByRole('button', { name: 'Add a key' }).click();
    await expect(page.getByLabel('Name for this key')).toHaveValue(/^(Passkey on this computer|Security key)$/);
  });

  test('a security key whose AAGUID the browser sends as zeros (attestation none) is named by its kind', async ({ page, fk }) => {
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('radio', { name: /A security key/ }).check();
    await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
    await keepRecoveryCodes(page);
    const card = page.getByRole('list', { name: 'Registered' }).getByRole('listitem');
    await expect(card.locator('.factor-name')).toHaveText('Security key');
    await expect(page.getByRole('list', { name: 'Registered' })).not.toContainText(/Unknown authenticator|Authenticator:/);
    // Measured: for a roaming key under attestation none, Chromium replaces the AAGUID with zeros.
    expect((await fk.credentials())[0]).toMatchObject({ aaguid: '00000000-0000-0000-0000-000000000000', authenticator_name: null });
  });

  test("the operator's metadata names the key model on the card, under the kind", async ({ browser }) => {
    const { createMdsWorld } = await import('../support/make-mds-blob.js');
    const { X509Certificate } = await import('node:crypto');
    const world = createMdsWorld();
    const batch = new X509Certificate(readFileSync('test/fixtures/chromium-virtual-authenticator-attestation.pem'));
    const blob = await world.makeBlob({
      entries: [
        {
          aaguid: VIRTUAL_AUTHENTICATOR_AAGUID,
          description: 'Chromium virtual security key',
          roots: [new Uint8Array(batch.raw)],
          statusReports: [{ status: 'FIDO_CERTIFIED' }],
        },
      ],
    });
    const fk = new FirstKeyHarness();
    await fk.start({ mdsBlobFile: world.writeFile('blob.jwt', blob), mdsRootFile: world.writeFile('root.pem', world.fidoRoot.pem) });
    const context = await browser.newContext({ viewport: { width: 760, height: 800 } });
    const page = await context.newPage();
    try {
      await fk.attach(context, page);
      await fk.addAuthenticator({ transport: 'usb' });
      await fk.open(page);
      // An admin: the built-in privileged tier asks for direct attestation, so the AAGUID arrives intact.
      await enterCode(page, await fk.issueCode('grace.admin'));
      await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
      await keepRecoveryCodes(page);
      const card = page.getByRole('list', { name: 'Registered' }).getByRole('listitem');
      await expect(card.locator('.factor-name')).toHaveText('Chromium virtual security key');
      await expect(card).toContainText('Security key');
      expect((await fk.credentials())[0]).toMatchObject({ authenticator_name: 'Chromium virtual security key', name: null });
    } finally {
      await context.close();
      await fk.stop();
      world.cleanup();
    }
  });
});
