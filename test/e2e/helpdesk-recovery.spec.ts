import { CHECKED, serverAgent } from '../support/deciding-agents.js';
import type { Page } from '@playwright/test';
import type { HelpdeskRequestView } from '../../api/recovery.js';
import { ROLE_PERMISSIONS } from '../../api/permissions.js';
import { expect, test } from './fixtures.js';
import { present, type FirstKeyHarness } from './harness.js';

/** The help desk as the person meets it: a privileged account's two approvals, and a request that outlives the app. */

test.describe('help desk for a privileged user', () => {
  test('needs two different agents; the same agent approving twice is refused', async ({ page, fk }) => {
    await fk.open(page);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
    await page.getByLabel('Username').fill('grace.admin');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect(page.getByRole('heading', { name: 'Request sent' })).toBeVisible();

    const request = present((await fk.server.services.helpdesk.list())[0], 'a filed help-desk request');
    expect(request).toMatchObject({ username: 'grace.admin', approvalsRequired: 2 });
    const first = await fk.server.services.helpdesk.approve(request.id, 'grace.admin', await serverAgent(fk.server, 'agent.one'), CHECKED);
    expect(first.code).toBeUndefined();
    await expect(
      fk.server.services.helpdesk.approve(request.id, 'grace.admin', await serverAgent(fk.server, 'agent.one'), CHECKED),
    ).rejects.toThrow();
    // An approval must name the person the agent verified: naming someone else is refused.
    await expect(
      fk.server.services.helpdesk.approve(request.id, 'ada.new', await serverAgent(fk.server, 'agent.two'), CHECKED),
    ).rejects.toThrow();
    const second = await fk.server.services.helpdesk.approve(request.id, 'grace.admin', await serverAgent(fk.server, 'agent.two'), CHECKED);
    expect(second.code).toBeTruthy();

    await page.getByLabel('Code from the help desk').fill(present(second.code, 'the second approval code'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await expect(page.getByText('Grace Hopper')).toBeVisible();
    const sessions = await fk.server.db.selectFrom('sessions').select(['purpose', 'expires_at', 'created_at']).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.purpose).toBe('recover');
    // Recovery sessions are shorter than enrolment sessions (5 minutes here, against 10).
    const session = present(sessions[0], 'the recovery session');
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBeLessThanOrEqual(5 * 60_000);
  });
});

/** An API token of `name`'s help-desk account: the CLI decides as that account (FIRSTKEY_TOKEN). */
async function cliToken(fk: FirstKeyHarness, name: string): Promise<string> {
  await serverAgent(fk.server, name);
  const issued = await fk.server.services.apiTokens.issue(name, { name: 'cli', scopes: [...ROLE_PERMISSIONS.helpdesk] }, 'test-admin');
  return issued.token;
}

/** From the start screen to the help-desk screen, as the person finds it again after reopening the app. */
async function toHelpdesk(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
  await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
}

async function fileRequest(page: Page, fk: FirstKeyHarness, username = 'ada.new'): Promise<HelpdeskRequestView> {
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page.getByRole('heading', { name: 'Request sent' })).toBeVisible();
  const requests = await fk.server.services.helpdesk.list();
  return present(requests.at(-1), 'the filed help-desk request');
}

test.describe('help-desk continuity (issue 14)', () => {
  test('a help-desk request survives an app restart: the same reference with the configured contact, and the code the agent got by that reference works', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await toHelpdesk(page);
    const filed = await fileRequest(page, fk);
    // The app shows exactly the reference the help desk's tools know the request by.
    await expect(page.getByText(`Reference: ${filed.reference}`)).toBeVisible();
    // No contact configured: a sentence that still tells the person what to do.
    await expect(page.getByText('Give this reference to your IT help desk')).toBeVisible();

    // The person closes FirstKey to phone the help desk; IT's policy names the help desk's number.
    fk.helpDeskContact = 'IT Service Desk, +44 20 7946 0000';
    await fk.restart(page);
    await toHelpdesk(page);
    await expect(page.getByRole('heading', { name: 'Request sent' })).toBeFocused();
    await expect(page.getByText(`Reference: ${filed.reference}`)).toBeVisible();
    await expect(page.getByText('Give this reference to your help desk: IT Service Desk, +44 20 7946 0000')).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Waiting for your help desk' })).toBeVisible();
    await lookAt('7-helpdesk-request-after-restart');

    // The agent types the reference as they heard it: lower case, no dash.
    const approved = await fk.adminAs(
      await cliToken(fk, 'agent.smith'),
      'approve-recovery',
      '--request',
      filed.reference.toLowerCase().replace('-', ''),
      '--username',
      'ada.new',
      '--reason',
      CHECKED.reason,
      '--checklist',
      CHECKED.checklist.join(','),
    );
    expect(approved.code, approved.out).toBe(0);
    const code = present(/code for \S+: (\S+)/.exec(approved.out)?.[1], 'the code the CLI printed');

    await page.getByLabel('Code from the help desk').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await expect(page.getByText('Ada Lovelace')).toBeVisible();
    // Used: a later run of the app no longer offers it.
    await fk.restart(page);
    await toHelpdesk(page);
    await expect(page.getByRole('button', { name: 'Send request' })).toBeVisible();
  });

  test('denied or lapsed while the app was closed: the person is told why, once, and can send a new request', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.open(page);
    await toHelpdesk(page);
    const first = await fileRequest(page, fk);
    const denied = await fk.adminAs(
      await cliToken(fk, 'agent.smith'),
      'deny-recovery',
      '--request',
      first.reference,
      '--username',
      'ada.new',
      '--reason',
      'could not reach them on the directory number',
    );
    expect(denied.code, denied.out).toBe(0);

    await fk.restart(page);
    await toHelpdesk(page);
    await expect(page.getByText(`Reference: ${first.reference}`)).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Your help desk turned this request down' })).toBeVisible();
    await expect(page.getByLabel('Code from the help desk')).toHaveCount(0);
    await lookAt('7-helpdesk-request-denied');
    await page.getByRole('button', { name: 'Send a new request' }).click();
    const second = await fileRequest(page, fk);
    expect(second.reference).not.toBe(first.reference);
    await expect(page.getByText(`Reference: ${second.reference}`)).toBeVisible();

    // Nobody answers for a day; the person opens FirstKey again.
    fk.clock.advance(24 * 60 * 60 + 1);
    await fk.restart(page);
    await toHelpdesk(page);
    await expect(page.getByRole('status').filter({ hasText: 'This request has lapsed' })).toBeVisible();
    // Told once: the next run starts clean.
    await fk.restart(page);
    await toHelpdesk(page);
    await expect(page.getByRole('button', { name: 'Send request' })).toBeVisible();
  });

  test("a request filed under this computer's earlier device key is never picked up after the key was replaced", async ({ page, fk }) => {
    await fk.open(page);
    await toHelpdesk(page);
    const filed = await fileRequest(page, fk);
    const approved = await fk.adminAs(
      await cliToken(fk, 'agent.smith'),
      'approve-recovery',
      '--request',
      filed.reference,
      '--username',
      'ada.new',
      '--reason',
      CHECKED.reason,
      '--checklist',
      CHECKED.checklist.join(','),
    );
    expect(approved.code, approved.out).toBe(0);

    await fk.deleteDeviceKey();
    await fk.restart(page);
    await expect(page.getByRole('heading', { name: "This computer's key was lost" })).toBeVisible();
    await page.getByRole('button', { name: 'I no longer have my sign-in key' }).click();
    await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
    await expect(page.getByRole('heading', { name: 'Ask your help desk' })).toBeFocused();
    await expect(page.getByLabel('Username')).toBeVisible();
    await expect(page.getByText(filed.reference)).toHaveCount(0);

    const fresh = await fileRequest(page, fk);
    expect(fresh.id).not.toBe(filed.id);
    await expect(page.getByText(`Reference: ${fresh.reference}`)).toBeVisible();
  });
});
