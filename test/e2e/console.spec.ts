import type { Browser, Page, TestInfo } from '@playwright/test';
import type { OperatorRole } from '../../api/permissions.js';
import { checkScreen, expect, test } from './fixtures.js';
import { AgentBrowser } from './console-harness.js';
import { present, type FirstKeyHarness, type KeyCredential } from './harness.js';
import { keepRecoveryCodes } from './journey.js';
import { withTrustedStack } from './trusted-keys.js';

/**
 * The help-desk console in Chromium against the real server and database: agents are FirstKey
 * users who enrolled a security key through the app, hold a role, and sign in with that key.
 */

interface Agent {
  username: string;
  key: KeyCredential[];
}

/** A colleague who enrols their security key through FirstKey, then (unless `role` is null) gets a role from IT. */
async function agent(fk: FirstKeyHarness, username: string, displayName: string, role: OperatorRole | null): Promise<Agent> {
  await fk.server.services.accounts.createUser({ username, displayName, role: 'engineer' }, 'test');
  const { contents } = await fk.enrolSecurityKey(username);
  // IT grants the role (what `npm run admin -- grant-role` does), audited as the test's admin.
  if (role) await fk.server.services.operatorRoles.grant(username, role, 'test-admin');
  return { username, key: contents };
}

function signedIn(browser: Browser, fk: FirstKeyHarness, who: Agent): Promise<AgentBrowser> {
  return AgentBrowser.signedIn(browser, fk, who.username, who.key);
}

/** The person's app: lost key, no codes, a help-desk request filed. Returns the reference on their screen. */
async function fileHelpdeskRequest(page: Page, fk: FirstKeyHarness, username: string): Promise<string> {
  await fk.open(page);
  await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
  await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('heading', { name: 'Request sent' })).toBeVisible();
  return present((await fk.server.services.helpdesk.list())[0], 'the filed request').reference;
}

/** Ticks every identity check, gives a reason and presses Approve. */
async function approve(page: Page, reason: string): Promise<void> {
  const checks = page.getByRole('group', { name: 'Identity check' }).getByRole('checkbox');
  for (const check of await checks.all()) await check.check();
  await page.getByLabel('Reason (kept in the audit trail)').fill(reason);
  await page.getByRole('button', { name: 'Approve' }).click();
}

const look = (console: AgentBrowser, testInfo: TestInfo, name: string) => checkScreen(console.page, testInfo, name);

/** The first test's story, in a harness whose metadata trusts the virtual security key. */
async function privilegedRecovery(browser: Browser, page: Page, fk: FirstKeyHarness, testInfo: TestInfo): Promise<void> {
  const a = await agent(fk, 'agent.a', 'Alice Agent', 'helpdesk');
  const b = await agent(fk, 'agent.b', 'Bob Agent', 'helpdesk');
  // The same name in another case is the same account: the server refuses to make a second one.
  await expect(fk.server.services.accounts.createUser({ username: 'Agent.A', displayName: 'Impostor' }, 'test')).rejects.toThrow();

  const reference = await fileHelpdeskRequest(page, fk, 'grace.admin');

  const first = await signedIn(browser, fk, a);
  await look(first, testInfo, 'console-2-queue');
  const row = first.page.getByRole('row').filter({ hasText: reference });
  await expect(row).toContainText('Grace Hopper');
  await expect(row).toContainText('privileged');
  await expect(row).toContainText('0 of 2');
  await first.page.getByRole('button', { name: `Open request ${reference}` }).click();
  await expect(first.page.getByRole('heading', { name: `Request ${reference}` })).toBeFocused();
  await expect(first.page.getByText('two different agents must approve')).toBeVisible();
  // Approve stays off until every identity check is ticked.
  await expect(first.page.getByRole('button', { name: 'Approve' })).toBeDisabled();
  await look(first, testInfo, 'console-3-request');
  await approve(first.page, 'Called back on the number in the HR record; manager confirmed on Teams');
  await expect(first.page.getByRole('status').filter({ hasText: 'A second, different agent must now approve' })).toBeVisible();
  await expect(first.page.getByTestId('helpdesk-code')).toHaveCount(0);
  await look(first, testInfo, 'console-4-first-approval');

  // The same agent approving again is refused by the server, and says why.
  await first.page.getByRole('button', { name: 'Approve' }).click();
  await expect(first.page.getByRole('alert')).toContainText('A second approval must come from a different agent');
  await look(first, testInfo, 'console-4-same-agent-refused');

  const second = await signedIn(browser, fk, b);
  await second.page.getByRole('button', { name: `Open request ${reference}` }).click();
  await expect(second.page.getByText(/Approved by agent\.a/)).toBeVisible();
  await approve(second.page, 'Second check: video call, badge shown');
  const code = present(await second.page.getByTestId('helpdesk-code').textContent(), 'the one-time code');
  await look(second, testInfo, 'console-5-code-once');
  // Shown once: back to the queue and in again, it is gone.
  await second.page.getByRole('button', { name: 'Back to the requests' }).click();
  await second.page.getByRole('button', { name: `Open request ${reference}` }).click();
  await expect(second.page.getByTestId('helpdesk-code')).toHaveCount(0);

  // The person types the code the agent read out, on the device that asked.
  await page.getByLabel('Code from the help desk').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  await expect(page.getByText('Grace Hopper')).toBeVisible();
  const recovering = await fk.server.db.selectFrom('sessions').select('opened_by').where('purpose', '=', 'recover').execute();
  expect(recovering).toEqual([{ opened_by: 'helpdesk-code' }]);
  // ...and finishes: a new security key, trusted as her tier demands, and new recovery codes.
  await fk.addAuthenticator({ transport: 'usb' });
  await page.getByRole('button', { name: /^This is me:/ }).click();
  await keepRecoveryCodes(page);
  const keys = await fk.server.db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select(['credentials.factor', 'credentials.status'])
    .where('users.username', '=', 'grace.admin')
    .execute();
  expect(keys).toContainEqual({ factor: 'security-key', status: 'active' });

  // The audit trail names both accounts.
  const approvals = await fk.server.db.selectFrom('audit_events').select('actor').where('event', '=', 'recovery.approved').execute();
  expect(approvals.map((r) => r.actor).sort()).toEqual(['account:agent.a', 'account:agent.b']);
  expect(await fk.auditIntact()).toBe(true);
  await first.close();
  await second.close();
}

test.describe('help-desk console', () => {
  test('two agents approve a privileged recovery with their keys; the second sees the code once; the app recovers with it', async ({
    browser,
  }, testInfo) => {
    // Grace is an admin: her new key must carry attestation the operator's metadata trusts.
    await withTrustedStack(browser, (fk, page) => privilegedRecovery(browser, page, fk, testInfo));
  });

  test('an enrolment code with its link and QR code; a person looked up and a device revoked with a reason', async ({
    browser,
    fk,
  }, testInfo) => {
    const a = await agent(fk, 'agent.a', 'Alice Agent', 'helpdesk');
    await fk.enrolSecurityKey('ada.new');
    const console = await signedIn(browser, fk, a);
    const { page } = console;

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Enrolment codes' }).click();
    await expect(page.getByRole('heading', { name: 'Issue an enrolment code' })).toBeFocused();
    await page.getByLabel('Username').fill('carl.contract');
    await page.getByRole('button', { name: 'Issue code' }).click();
    const code = present(await page.getByTestId('enrolment-code').textContent(), 'the enrolment code');
    await expect(page.getByTestId('enrolment-link')).toContainText(`firstkey://`);
    await expect(page.getByRole('img', { name: /QR code that opens FirstKey with the link firstkey:\/\// })).toBeVisible();
    await look(console, testInfo, 'console-6-code-issued');
    // It is a real code: a new computer opens a session with it.
    await fk.redeemElsewhere(code);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Look up a person' }).click();
    await expect(page.getByTestId('enrolment-code')).toHaveCount(0);
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await expect(page.getByRole('heading', { name: /Ada Lovelace \(ada\.new\)/ })).toBeVisible();
    await expect(page.getByRole('table').first()).toContainText('Security key');
    await expect(page.getByText('factor.registered').first()).toBeVisible();
    await look(console, testInfo, 'console-7-person');

    const [device] = (await fk.devices()).filter((d) => d.revoked_at === null).slice(-1);
    const revoke = page.getByRole('button', { name: /^Revoke device / }).first();
    await revoke.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this device?' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Revoke' })).toBeDisabled();
    await dialog.getByLabel('Reason (kept in the audit trail)').fill('Laptop reported stolen');
    await look(console, testInfo, 'console-8-confirm-revoke');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Revoked.' })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Revoke device / })).toHaveCount(0);
    const revoked = (await fk.devices()).filter((d) => d.revoked_at !== null);
    expect(revoked).toHaveLength(1);
    expect(device).toBeDefined();
    const audit = await fk.server.db
      .selectFrom('audit_events')
      .select(['actor', 'details'])
      .where('event', '=', 'device.revoked')
      .execute();
    expect(audit).toEqual([{ actor: 'account:agent.a', details: expect.stringContaining('Laptop reported stolen') as unknown }]);
    await console.close();
  });

  test('an auditor sees the queue and the funnel but cannot decide; an account with no role cannot sign in; sign-out says so', async ({
    browser,
    page,
    fk,
  }, testInfo) => {
    const auditor = await agent(fk, 'audit.c', 'Cleo Auditor', 'auditor');
    const nobody = await agent(fk, 'plain.d', 'Dan Plain', null);
    const reference = await fileHelpdeskRequest(page, fk, 'ada.new');

    const console = await signedIn(browser, fk, auditor);
    const nav = console.page.getByRole('navigation', { name: 'Sections' });
    await expect(nav.getByRole('button', { name: 'Enrolment codes' })).toHaveCount(0);
    await console.page.getByRole('button', { name: `Open request ${reference}` }).click();
    await expect(console.page.getByText('You can see this request but not decide it.')).toBeVisible();
    await expect(console.page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
    await look(console, testInfo, 'console-9-auditor-request');

    await nav.getByRole('button', { name: 'Enrolment funnel' }).click();
    await expect(console.page.getByRole('heading', { name: 'Enrolment funnel' })).toBeFocused();
    await expect(console.page.getByRole('table', { name: 'How many people reach each step' })).toBeAttached();
    await look(console, testInfo, 'console-10-funnel');

    await console.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(console.page.getByRole('status').filter({ hasText: 'You signed out.' })).toBeVisible();
    await console.close();

    const refused = await AgentBrowser.open(browser, fk);
    await refused.plugKey(nobody.key);
    await refused.signIn(nobody.username);
    await expect(refused.page.getByRole('alert')).toContainText('your account may have no help-desk role');
    await expect(refused.page.getByRole('heading', { name: 'Recovery requests' })).toHaveCount(0);
    await look(refused, testInfo, 'console-11-sign-in-refused');
    await refused.close();
  });

  test('a session past its time limit ends on the next call and the sign-in screen says why', async ({ browser, fk }) => {
    const a = await agent(fk, 'agent.a', 'Alice Agent', 'helpdesk');
    const console = await signedIn(browser, fk, a);
    // The queue's first load must be answered before time jumps, or that answer would end the session first.
    await expect(console.page.getByText('No open requests.')).toBeVisible();
    fk.clock.advance(2 * 60 * 60);
    await console.page.getByRole('button', { name: 'Refresh' }).click();
    await expect(console.page.getByRole('heading', { name: 'Sign in to the help desk' })).toBeVisible();
    await expect(console.page.getByRole('status')).toContainText(/time limit|without activity/);
    await console.close();
  });
});
