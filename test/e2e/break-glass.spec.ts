import type { Browser, Page, TestInfo } from '@playwright/test';
import { AgentBrowser } from './console-harness.js';
import { checkScreen, expect, test } from './fixtures.js';
import type { FirstKeyHarness, KeyCredential } from './harness.js';
import { startEnrolment } from './journey.js';
import { withTrustedStack } from './trusted-keys.js';

/**
 * A break-glass account's supervised ceremony, end to end: the person at the FirstKey app adds two
 * trusted security keys while two custodians, each signed in to the console with their own key,
 * confirm they watch and record who keeps each key where. Real renderer, console, server and database.
 */

const ACCOUNT = 'emergency.ops';
const SHOTS = '/tmp/pw-break-glass/shots';

async function custodian(fk: FirstKeyHarness, username: string, displayName: string): Promise<KeyCredential[]> {
  await fk.server.services.accounts.createUser({ username, displayName, role: 'engineer' }, 'test');
  const { contents } = await fk.enrolSecurityKey(username);
  await fk.server.services.operatorRoles.grant(username, 'admin', 'test-admin');
  return contents;
}

async function openCeremony(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Break-glass accounts' }).click();
  await expect(page.getByRole('heading', { name: 'Break-glass enrolment' })).toBeFocused();
  await page.getByLabel('Username of the break-glass account').fill(ACCOUNT);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByRole('heading', { name: `Emergency access (${ACCOUNT})` })).toBeVisible();
}

/** The key holder reads the reference out; the custodian types it (in lower case, as people do) and confirms. */
async function confirmWatching(page: Page, reference: string): Promise<void> {
  await page.getByLabel('Session reference').fill(reference.toLowerCase());
  await page.getByRole('button', { name: 'Confirm that I am watching this enrolment' }).click();
}

async function label(page: Page, position: number, keptBy: string, where: string): Promise<void> {
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: new RegExp(`^Key ${position}:`) }) });
  await card.getByLabel('Kept by (custodian)').fill(keptBy);
  await card.getByLabel('Kept where').fill(where);
  await card.getByRole('button', { name: `Record key ${position}` }).click();
  await expect(card.getByRole('status')).toHaveText(`Key ${position} recorded.`);
}

async function photograph(page: Page, name: string): Promise<void> {
  for (const width of [480, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
}

async function ceremony(browser: Browser, page: Page, fk: FirstKeyHarness, testInfo: TestInfo): Promise<void> {
  await fk.server.services.accounts.createUser(
    { username: ACCOUNT, displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' },
    'test',
  );
  const ann = await custodian(fk, 'ann.custodian', 'Ann Custodian');
  const ben = await custodian(fk, 'ben.custodian', 'Ben Custodian');
  // Ben signed in earlier in the day: a confirmation needs a sign-in of the last 5 minutes.
  const late = await AgentBrowser.signedIn(browser, fk, 'ben.custodian', ben);
  fk.clock.advance(5 * 60 + 1);

  // The person at the app: a first key, and the server will not finish without the custodians.
  await fk.addAuthenticator({ transport: 'usb' });
  await fk.open(page);
  await startEnrolment(page, await fk.issueCode(ACCOUNT));
  await expect(page.getByRole('alert')).toContainText('set up only while two custodians watch');
  await expect(page.getByRole('button', { name: 'Finish' })).toBeVisible();
  // The app shows the session's reference for the custodians to compare.
  const supervised = page.getByRole('complementary', { name: 'Supervised enrolment' });
  await expect(supervised).toContainText('Read this session reference out to each custodian');
  const reference = /[0-9A-Z]{4}-[0-9A-Z]{4}/.exec((await supervised.textContent()) ?? '')?.[0] ?? 'none shown';

  const first = await AgentBrowser.signedIn(browser, fk, 'ann.custodian', ann);
  await openCeremony(first.page);
  await expect(first.page.getByRole('status').filter({ hasText: 'Waiting for two custodians' })).toBeVisible();
  await expect(first.page.getByText('No custodian has confirmed yet.')).toBeVisible();
  await expect(first.page.getByRole('heading', { name: 'Keys (1 of at least 2)' })).toBeVisible();
  // The console says where the session was opened, but not its reference: the custodian hears it.
  await expect(first.page.getByText(/^Opened .* on /)).toBeVisible();
  await expect(first.page.getByText(reference)).toHaveCount(0);
  await checkScreen(first.page, testInfo, 'break-glass-waiting');
  await photograph(first.page, 'break-glass-waiting');
  // A misheard reference confirms nothing, and says so.
  await confirmWatching(first.page, 'ZZZZ-ZZZZ');
  await expect(first.page.getByRole('alert')).toContainText('No open enrolment of this account shows that reference');
  await confirmWatching(first.page, reference);
  await expect(first.page.getByText('You have confirmed as a custodian.')).toBeVisible();
  await expect(first.page.getByText('Confirmed so far: ann.custodian.')).toBeVisible();

  // Ben's sign-in is too old: he is told why, signs in again, and then his confirmation counts.
  await openCeremony(late.page);
  await confirmWatching(late.page, reference);
  await expect(late.page.getByRole('alert')).toContainText('your sign-in must be less than 5 minutes old');
  await checkScreen(late.page, testInfo, 'break-glass-reauth');
  await photograph(late.page, 'break-glass-reauth');
  await late.page.getByRole('button', { name: 'Sign in again' }).click();
  await late.signIn('ben.custodian');
  await expect(late.page.getByRole('heading', { name: 'Recovery requests' })).toBeVisible();
  await openCeremony(late.page);
  await confirmWatching(late.page, reference);
  await expect(late.page.getByText('Confirmed so far: ann.custodian and ben.custodian.')).toBeVisible();
  // Ann's page, left open, shows Ben's confirmation without her asking.
  await expect(first.page.getByText('Confirmed so far: ann.custodian and ben.custodian.')).toBeVisible({ timeout: 20_000 });
  await expect(late.page.getByRole('status').filter({ hasText: 'adds 1 more security key' })).toBeVisible();

  // Finish with one key is refused by the server; a second, different key is added.
  await page.getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByRole('alert')).toContainText('needs at least two security keys');
  await fk.addAuthenticator({ transport: 'usb' });
  await page.getByRole('button', { name: 'Add another key' }).click();
  await expect(page.getByRole('alert')).toContainText('custodian and location recorded in the console');
  await checkScreen(page, testInfo, 'break-glass-app-labels');
  await photograph(page, 'break-glass-app-labels');

  await late.page.getByRole('button', { name: 'Refresh' }).click();
  await expect(late.page.getByRole('heading', { name: 'Keys (2 of at least 2)' })).toBeVisible();
  await expect(late.page.getByRole('status').filter({ hasText: 'Record who keeps each key' })).toBeVisible();
  await label(late.page, 1, 'Ann Custodian', 'Safe A, Berlin office');
  await label(late.page, 2, 'Ben Custodian', 'Safe B, Paris office');
  await expect(late.page.getByRole('status').filter({ hasText: 'Everything is in place' })).toBeVisible();
  await expect(late.page.getByText('Kept by Ben Custodian, Safe B, Paris office.')).toBeVisible();
  await checkScreen(late.page, testInfo, 'break-glass-ready');
  await photograph(late.page, 'break-glass-ready');

  // The person finishes: both keys in use, no recovery codes, the ceremony audited with both custodians.
  await page.getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
  const keys = await fk.server.db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select(['credentials.status'])
    .where('users.username', '=', ACCOUNT)
    .execute();
  expect(keys).toEqual([{ status: 'active' }, { status: 'active' }]);
  const codes = await fk.server.db
    .selectFrom('recovery_codes')
    .innerJoin('users', 'users.id', 'recovery_codes.user_id')
    .select('recovery_codes.id')
    .where('users.username', '=', ACCOUNT)
    .execute();
  expect(codes).toHaveLength(0);
  const enrolled = await fk.server.db.selectFrom('audit_events').select('details').where('event', '=', 'break_glass.enrolled').execute();
  expect(enrolled).toHaveLength(1);
  expect(JSON.parse(enrolled[0]?.details ?? '{}')).toMatchObject({ custodians: 'ann.custodian, ben.custodian', keys: 2 });

  // A use of a break-glass key raises a high-priority notice naming the key's custodian and safe.
  await page.getByRole('button', { name: 'Back to the start' }).click();
  await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
  await page.getByLabel('Username').fill(ACCOUNT);
  await page.getByRole('button', { name: 'Use my key' }).click();
  await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
  const used = await fk.server.db.selectFrom('notifications').select(['payload']).where('kind', '=', 'break_glass.used').execute();
  expect(used).toHaveLength(1);
  expect(JSON.parse(used[0]?.payload ?? '{}')).toMatchObject({
    details: { priority: 'high', account: ACCOUNT, custodian: 'Ben Custodian', location: 'Safe B, Paris office' },
  });
  expect(await fk.auditIntact()).toBe(true);

  await late.page.getByRole('button', { name: 'Refresh' }).click();
  await expect(late.page.getByRole('status').filter({ hasText: 'Enrolled: this account’s keys are in use' })).toBeVisible();
  await expect(late.page.getByText(/Added .*\. In use\./)).toHaveCount(2);
  await first.close();
  await late.close();
}

test.describe('console: break-glass ceremony', () => {
  test.describe.configure({ timeout: 240_000 });

  test('two custodians confirm from the console, one after signing in again; both keys are labelled; the app finishes', async ({
    browser,
  }, testInfo) => {
    // The account's keys must carry attestation the operator's metadata trusts.
    await withTrustedStack(browser, (fk, page) => ceremony(browser, page, fk, testInfo));
  });
});

test.describe('break-glass: no way back but the keys', () => {
  test('a recovery code for a break-glass account is refused with why, and what to do instead', async ({ page, fk }) => {
    const body = { username: 'emergency.one', displayName: 'Emergency access', role: 'admin', accountKind: 'break-glass' as const };
    await fk.server.services.accounts.createUser(body, 'test');
    await fk.open(page);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByLabel('Username').fill('emergency.one');
    await page.getByLabel('Recovery code').fill('7K2M-4QX9-HT3V-W8RD');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toContainText('This is an emergency (break-glass) account: it has no recovery codes');
    await expect(page.getByRole('alert')).toContainText('ask their custodians');
  });
});
