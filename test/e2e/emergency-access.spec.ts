import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { EmergencyGrantView, IntrospectionResponse } from '../../api/operations/emergency-access.js';
import type { Permission } from '../../api/permissions.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import { send } from '../support/http-client.js';
import { checkScreen, expect, test } from './fixtures.js';
import { present, type FirstKeyHarness } from './harness.js';
import { keepRecoveryCodes, openMySecurity, startEnrolment } from './journey.js';

/**
 * Issue 15, the owner's side in the app: Ada, named by IT as the owner of a service account, asks in
 * My security to act for it, an admin (another person, with their own API token) approves through
 * the API, Ada starts and reads the token from the page once, a system introspects it, and Ada ends
 * it early. The renderer is the real build in Chromium; main's handlers and the server are real.
 */

const SHOTS = '/tmp/pw-app-emergency/shots';
const SERVICE = 'svc.payments';
const SERVICE_SHOWN = 'Payments batch (svc.payments)';
const REASON = 'Settlement job stuck since 02:00; rerun it by hand';
const SECTION = 'Act for a service account';

/** The service account (never a factor of its own), with its owner named by an admin through the API. */
async function serviceOwnedBy(fk: FirstKeyHarness, owner: string, admin: string): Promise<void> {
  const service = { username: SERVICE, displayName: 'Payments batch', role: 'service', accountKind: 'service' as const };
  await fk.server.services.accounts.createUser(service, 'test');
  const named = await send(fk.server.url, 'setServiceOwner', { params: { username: SERVICE }, body: { owner }, adminToken: admin });
  expect(named.status, JSON.stringify(named.body)).toBe(200);
}

/** Ida, a person with the admin role, and API tokens of her own account: one for users and decisions, one a system holds to introspect. */
async function idaAdmin(fk: FirstKeyHarness): Promise<{ decide: string; introspect: string }> {
  await fk.server.services.accounts.createUser({ username: 'ida.admin', displayName: 'Ida Admin', role: 'engineer' }, 'test');
  await fk.server.services.operatorRoles.grant('ida.admin', 'admin', 'test-admin');
  const issue = async (name: string, scopes: Permission[]) =>
    (await fk.server.services.apiTokens.issue('ida.admin', { name, scopes }, 'test-admin')).token;
  return {
    decide: await issue('ida at her desk', ['users:write', 'emergency:read', 'emergency:decide']),
    introspect: await issue('payments gateway', ['emergency:introspect']),
  };
}

async function approve(fk: FirstKeyHarness, token: string, reference: string): Promise<EmergencyGrantView> {
  const reply = await send(fk.server.url, 'approveEmergencyAccess', {
    params: { id: reference },
    body: { reason: 'Confirmed with the payments on-call lead by phone' },
    adminToken: token,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return EmergencyGrantView.parse(reply.body);
}

async function introspect(fk: FirstKeyHarness, system: string, token: string): Promise<IntrospectionResponse> {
  const reply = await send(fk.server.url, 'introspectEmergencyToken', { body: { token }, adminToken: system });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return IntrospectionResponse.parse(reply.body);
}

/** The page at the window's narrowest and at a wide width, kept for review. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const viewport = page.viewportSize() ?? { width: 760, height: 800 };
  for (const width of [480, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true, animations: 'disabled' });
    // The section alone, at full size, for reading its words in review.
    const section = page.getByRole('region', { name: SECTION });
    if ((await section.count()) > 0)
      await section.screenshot({ path: join(SHOTS, `${name}-${width}-section.png`), animations: 'disabled' });
  }
  await page.setViewportSize(viewport);
}

/** axe, control borders, fit in every language at 480 px (the other specs' checks); then the review screenshots. */
async function look(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await checkScreen(page, testInfo, name);
  await shoot(page, name);
}

/** Ada, enrolled with a passkey on this computer (Chromium's virtual platform authenticator), in My security. */
async function adaInMySecurity(page: Page, fk: FirstKeyHarness): Promise<void> {
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(page);
  await startEnrolment(page, await fk.issueCode());
  await keepRecoveryCodes(page);
  await openMySecurity(page);
}

async function askForAccess(section: Locator, minutes: string): Promise<string> {
  await section.getByLabel('Reason').fill(REASON);
  await section.getByLabel('How long you need it, in minutes').fill(minutes);
  await section.getByRole('button', { name: 'Request access' }).click();
  await expect(section.getByRole('status').filter({ hasText: 'Request sent.' })).toBeFocused();
  const reference = present(await section.getByText(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/).textContent(), 'the reference shown');
  return reference;
}

const grantOf = (section: Locator) => section.getByRole('listitem').filter({ hasText: SERVICE_SHOWN });

async function boundToServiceAccount(fk: FirstKeyHarness): Promise<{ credentials: number; sessions: number; devices: number }> {
  const { db } = fk.server;
  const user = await db.selectFrom('users').select('id').where('username', '=', SERVICE).executeTakeFirstOrThrow();
  const credentials = await db.selectFrom('credentials').select('id').where('user_id', '=', user.id).execute();
  const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
  const devices = await db.selectFrom('device_bindings').select('device_id').where('user_id', '=', user.id).execute();
  return { credentials: credentials.length, sessions: sessions.length, devices: devices.length };
}

test.describe('My security: acting for a service account', () => {
  // Each screen is checked in four languages at two widths.
  test.describe.configure({ timeout: 240_000 });

  test('the owner asks, an admin approves, the owner starts and reads the token once, a system introspects it, the owner ends it', async ({
    page,
    context,
    fk,
  }, testInfo) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fk.origin });
    const ida = await idaAdmin(fk);
    await serviceOwnedBy(fk, 'ada.new', ida.decide);
    await adaInMySecurity(page, fk);

    const section = page.getByRole('region', { name: SECTION });
    await expect(section).toBeVisible();
    await expect(section.getByLabel('Service account')).toHaveValue(SERVICE);
    await expect(section.getByLabel('How long you need it, in minutes')).toHaveValue('60');
    // Nothing asked yet: no list, no Check again.
    await expect(section.getByRole('heading', { name: 'Your requests' })).toHaveCount(0);
    await look(page, testInfo, 'emergency-1-ask');

    // Too short a reason is said at the field, which takes focus; nothing is asked of the server.
    await section.getByLabel('Reason').fill('urgent');
    await section.getByRole('button', { name: 'Request access' }).click();
    await expect(section.getByLabel('Reason')).toBeFocused();
    await expect(section.getByLabel('Reason')).toHaveAttribute('aria-invalid', 'true');
    await expect(section.getByText('Give a reason of at least 10 characters (so far 6).')).toBeVisible();
    await look(page, testInfo, 'emergency-2-reason-too-short');
    expect(await fk.server.services.emergencyAccess.list()).toEqual([]);

    const reference = await askForAccess(section, '30');
    const grant = grantOf(section);
    await expect(grant.getByRole('heading')).toContainText('Waiting for approval');
    await expect(grant).toContainText('read them this reference');
    await expect(grant).toContainText(REASON);
    await expect(grant).toContainText('for 30 minutes');
    // One open request per service account: the form gives way until this one is over.
    await expect(section.getByRole('button', { name: 'Request access' })).toHaveCount(0);
    await expect(section.getByText('Each of your service accounts already has an open request or access')).toBeVisible();
    // Before approval there is nothing to start, and the server refuses to hand out a token.
    await expect(grant.getByRole('button', { name: 'Start now' })).toHaveCount(0);
    const [asked] = await fk.server.services.emergencyAccess.list();
    const id = present(asked, 'the request').id;
    const refused = await fk.controller.handlers.activateEmergencyAccess({ id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiClientError);
    expect((refused as ApiClientError).code).toBe('emergency_not_approved');
    await look(page, testInfo, 'emergency-3-waiting');

    // Ida approves through the API, as herself; Ada checks again.
    await approve(fk, ida.decide, reference);
    await section.getByRole('button', { name: 'Check again' }).click();
    await expect(grant.getByRole('heading')).toContainText('Approved: ready to start');
    await expect(grant).toContainText('Approved by ida.admin: “Confirmed with the payments on-call lead by phone”');
    await expect(section.getByRole('status').filter({ hasText: 'Last checked at' })).toBeVisible();
    await look(page, testInfo, 'emergency-4-approved');

    await grant.getByRole('button', { name: 'Start now' }).click();
    const field = grant.getByRole('textbox', { name: `Access token for ${SERVICE_SHOWN}` });
    await expect(field).toBeFocused();
    await expect(field).toHaveAttribute('readonly', '');
    const token = await field.inputValue();
    expect(token).toMatch(/^fke_/);
    await expect(grant.getByText(/^Works until .+\.$/)).toBeVisible();
    await expect(grant).toContainText('This token is shown only this once');
    await expect(grant.getByRole('heading')).toContainText('Active');
    await grant.getByRole('button', { name: 'Copy' }).click();
    await expect(grant.getByRole('status')).toHaveText('Copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await look(page, testInfo, 'emergency-5-token');

    // A system holding an introspection token asks about it: it acts for the service account, on Ada's behalf.
    expect(await introspect(fk, ida.introspect, token)).toMatchObject({
      active: true,
      sub: SERVICE,
      act: { sub: 'ada.new' },
      token_type: 'emergency_access',
      reference,
    });

    // Ada ends it early: one more question first, then the token stops working.
    await grant.getByRole('button', { name: 'End now' }).click();
    const confirm = grant.getByRole('group', { name: /End access to .* now\?/ });
    await expect(confirm).toBeVisible();
    await look(page, testInfo, 'emergency-6-end-confirm');
    await confirm.getByRole('button', { name: 'End now' }).click();
    await expect(section.getByRole('status').filter({ hasText: 'Ended. The access token no longer works.' })).toBeFocused();
    await expect(grant.getByRole('heading')).toContainText('Ended');
    await expect(grant).toContainText('You ended it at');
    await expect(grant.getByRole('textbox')).toHaveCount(0);
    await expect(grant.getByRole('button')).toHaveCount(0);
    await expect(section.getByRole('button', { name: 'Request access' })).toBeVisible();
    await look(page, testInfo, 'emergency-7-ended');
    expect(await introspect(fk, ida.introspect, token)).toEqual({ active: false });

    // Nothing was ever bound to the service account: no key, no session, no computer.
    expect(await boundToServiceAccount(fk)).toEqual({ credentials: 0, sessions: 0, devices: 0 });
    // The session's token never reached the page: the only token the page held is the one it showed.
    const pageSaw = JSON.stringify(await page.evaluate(() => document.documentElement.outerHTML));
    for (const record of fk.wire) {
      const session = record.authorization?.replace(/^DPoP /, '');
      if (session) expect(pageSaw).not.toContain(session);
    }
    expect(await fk.auditIntact()).toBe(true);
  });

  test('a person who owns no service account sees nothing of it', async ({ page, fk }) => {
    const ida = await idaAdmin(fk);
    // The service account's owner is somebody else.
    await fk.server.services.accounts.createUser({ username: 'olga.owner', displayName: 'Olga Owner', role: 'engineer' }, 'test');
    await serviceOwnedBy(fk, 'olga.owner', ida.decide);
    await adaInMySecurity(page, fk);
    // Wait for main's answer about Ada's emergency access, so the absence is not just "not loaded yet".
    await expect.poll(() => fk.wire.some((r) => r.responseBody.includes('"serviceAccounts":[]'))).toBe(true);
    await expect(page.getByRole('heading', { name: 'Approve a new computer' })).toBeVisible();
    await expect(page.getByRole('region', { name: SECTION })).toHaveCount(0);
    await expect(page.getByText(SECTION)).toHaveCount(0);
  });

  test.describe('when the key confirmation is older than the server allows', () => {
    test.use({ serverSettings: { freshAuthSeconds: 60 } });

    test('Start now asks to confirm with the key again, then collects the token by itself', async ({ page, fk }, testInfo) => {
      const ida = await idaAdmin(fk);
      await serviceOwnedBy(fk, 'ada.new', ida.decide);
      await adaInMySecurity(page, fk);
      const section = page.getByRole('region', { name: SECTION });
      const reference = await askForAccess(section, '15');
      await approve(fk, ida.decide, reference);

      // Ada keeps My security open while waiting; her confirmation with the key grows old.
      fk.clock.advance(90);
      await section.getByRole('button', { name: 'Check again' }).click();
      const grant = grantOf(section);
      await grant.getByRole('button', { name: 'Start now' }).click();
      const alert = section.getByRole('alert');
      await expect(alert).toContainText('For your safety, confirm with your key again first');
      await expect(alert).toBeFocused();
      expect((await fk.server.services.emergencyAccess.list())[0]?.status).toBe('approved');
      await look(page, testInfo, 'emergency-8-confirm-with-key');

      await alert.getByRole('button', { name: 'Confirm with my key' }).click();
      const field = grant.getByRole('textbox', { name: `Access token for ${SERVICE_SHOWN}` });
      await expect(field).toBeFocused();
      expect(await introspect(fk, ida.introspect, await field.inputValue())).toMatchObject({ active: true, act: { sub: 'ada.new' } });
      await expect(section.getByRole('alert')).toHaveCount(0);
    });
  });
});
