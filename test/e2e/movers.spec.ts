import type { Page } from '@playwright/test';
import { sweepMoverGrace } from '../../server/movers/grace-sweep.js';
import { checkScreen, expect, test } from './fixtures.js';
import { present } from './harness.js';
import { keepRecoveryCodes, startEnrolment } from './journey.js';
import { withTrustedStack } from './trusted-keys.js';

const DAY = 86_400;

/**
 * Issue 15, movers, in Chromium with the real renderer, main's controller and the real server: Ada enrols a passkey
 * that syncs, is promoted to admin (privileged: trusted security keys only), and is told at sign-in what to add by
 * when; she adds a security key with a session her passkey opens, the notice goes, and at the deadline the passkey
 * is suspended while the security key goes on working.
 */

async function signInToMySecurity(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
  await page.getByLabel('Username').fill('ada.new');
  await page.getByRole('button', { name: 'Use my key' }).click();
  await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
}

test('promoted to admin with a synced passkey: told at sign-in to add a security key by the deadline, adds one, the notice goes, the passkey stops at the deadline', async ({
  browser,
}, testInfo) => {
  await withTrustedStack(
    browser,
    async (fk, page) => {
      await fk.addAuthenticator({ transport: 'internal', synced: true });
      await fk.open(page);
      await startEnrolment(page, await fk.issueCode());
      await keepRecoveryCodes(page);
      const passkey = present((await fk.credentials())[0], "Ada's passkey");
      expect(passkey).toMatchObject({ factor: 'passkey', backup_eligible: 1, policy_tier: 'standard' });

      // IT promotes her; the server judges her passkey against the privileged tier at once.
      const moved = await fk.admin('set-role', '--username', 'ada.new', '--role', 'admin');
      expect(moved.code, moved.out).toBe(0);
      const episode = await fk.server.db
        .selectFrom('factor_compliance')
        .selectAll()
        .where('credential_id', '=', passkey.id)
        .executeTakeFirstOrThrow();
      // A calendar day as the app writes one (renderer/src/i18n/format.ts): digits, in the system's regional order.
      const date = await page.evaluate((at) => {
        const locale = navigator.languages.find((tag) => tag.startsWith('en-')) ?? 'en';
        return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(at));
      }, episode.deadline);

      // At sign-in (with the passkey, which still works) My security says what to add and by when.
      await page.getByRole('button', { name: 'Back to the start' }).click();
      await signInToMySecurity(page);
      const notice = page.getByRole('status').filter({ hasText: 'Your role changed' });
      await expect(notice).toContainText(`Your role changed: add a security key by ${date}`);
      // The passkey's own card says it is the one that stops.
      await expect(page.getByRole('list', { name: 'Sign-in keys' }).getByRole('listitem')).toContainText(
        `Does not meet your new role's requirements: stops working on ${date}.`,
      );
      await checkScreen(page, testInfo, 'movers-1-add-a-security-key');

      // The way to comply: "Add a key" in this session, with a security key.
      await fk.addAuthenticator({ transport: 'usb', alongside: true });
      await page.getByRole('button', { name: 'Add a key' }).click();
      await expect(page.getByRole('heading', { name: 'Add a sign-in key' })).toBeVisible();
      await page.getByRole('button', { name: 'Set up a security key' }).click();
      await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
      const key = present(
        (await fk.credentials()).find((c) => c.factor === 'security-key'),
        'the security key',
      );
      expect(key).toMatchObject({ status: 'active', policy_tier: 'privileged' });

      // Signed in again: the call to action is gone; the passkey stays non-compliant until the deadline.
      await page.getByRole('button', { name: 'Back to the start' }).click();
      await signInToMySecurity(page);
      await expect(page.getByRole('status').filter({ hasText: 'Your role changed' })).toHaveText(
        `Your role changed: keys that do not meet its requirements stop working on ${date}. Your new key meets them.`,
      );
      await expect(page.getByText('add a security key by')).toHaveCount(0);
      const cards = page.getByRole('list', { name: 'Sign-in keys' }).getByRole('listitem');
      await expect(cards).toHaveCount(2);
      await expect(cards.filter({ hasText: 'stops working on' })).toHaveCount(1);
      expect((await fk.credentials()).find((c) => c.id === passkey.id)?.status).toBe('active');

      // The grace period ends: the passkey is suspended, never silently kept; the security key signs her in.
      fk.clock.advance(14 * DAY + 60);
      expect(await sweepMoverGrace({ db: fk.server.db, clock: fk.clock })).toBe(1);
      expect((await fk.credentials()).find((c) => c.id === passkey.id)?.status).toBe('suspended');
      await page.getByRole('button', { name: 'Done' }).click();
      await signInToMySecurity(page);
      await expect(page.getByText('Your role changed')).toHaveCount(0);
      expect(await fk.auditIntact()).toBe(true);
    },
    { viewport: { width: 760, height: 800 } },
  );
});
