import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, TestInfo } from '@playwright/test';
import type { DeviceSignals } from '../../api/enrolment.js';
import { CompleteResponse, CreateSessionResponse, RegistrationOptionsResponse } from '../../api/enrolment.js';
import { ActivatedEmergencyAccess, EmergencyGrantView, IntrospectionResponse } from '../../api/operations/emergency-access.js';
import type { OperatorRole, Permission } from '../../api/permissions.js';
import { AuthenticationOptionsResponse } from '../../api/security.js';
import type { OperationName } from '../../api/http.js';
import { DpopKey } from '../support/dpop-key.js';
import { send, type Reply, type SendOptions } from '../support/http-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { AgentBrowser, keyContents } from './console-harness.js';
import { checkScreen, expect, test } from './fixtures.js';
import type { FirstKeyHarness, KeyCredential } from './harness.js';

/**
 * Emergency access to a service account, in the help-desk console in Chromium against the real
 * server and database: the owner asks from their app's manage session (over the API, signed by
 * their device key, with their own passkey), an admin decides in the console with a reason, the
 * owner collects the token, a system introspects it, and the admin ends it early.
 */

const SHOTS = '/tmp/pw-console-emergency/shots';
const SERVICE = 'svc.payments';
const ASKED = 'Payments batch stuck since 02:00; rerun the settlement job by hand';

/** The owner's laptop running the FirstKey app: its device key, and the passkey they enrolled on it. */
class OwnerApp {
  private constructor(
    private readonly fk: FirstKeyHarness,
    readonly username: string,
    private readonly device: DpopKey,
    readonly passkey: SoftAuthenticator,
  ) {}

  private static readonly signals: DeviceSignals = {
    name: 'owner laptop',
    platform: 'linux',
    osVersion: '6.1',
    appVersion: '0.1.0-test',
    kind: 'personal',
  };

  /** A person created by HR's import, enrolled with a passkey through the enrolment API as the app does it. */
  static async enrol(fk: FirstKeyHarness, username: string, displayName: string): Promise<OwnerApp> {
    await fk.server.services.accounts.createUser({ username, displayName, role: 'engineer' }, 'test');
    const app = new OwnerApp(
      fk,
      username,
      await DpopKey.create(() => fk.clock.now().getTime()),
      new SoftAuthenticator({ attachment: 'platform', userVerified: true }),
    );
    const opened = await app.call('openSession', { body: { code: await fk.issueCode(username), device: OwnerApp.signals } });
    const { token } = CreateSessionResponse.parse(answered(opened, 201));
    const asked = RegistrationOptionsResponse.parse(
      answered(await app.call('registrationOptions', { token, body: { factor: 'passkey' } }), 200),
    );
    const response = app.passkey.create(asked.options, { origin: fk.origin });
    answered(await app.call('verifyRegistration', { token, body: { factor: 'passkey', response } }), 201);
    CompleteResponse.parse(answered(await app.call('complete', { token }), 200));
    return app;
  }

  call(name: OperationName, opts: Omit<SendOptions, 'key'> = {}): Promise<Reply> {
    return send(this.fk.server.url, name, { ...opts, key: this.device });
  }

  /** "Manage my sign-in keys" with the passkey: a fresh manage session. */
  async manage(): Promise<string> {
    const asked = AuthenticationOptionsResponse.parse(
      answered(await this.call('authenticationOptions', { body: { username: this.username, purpose: 'manage' } }), 200),
    );
    const response = this.passkey.get(asked.options, { origin: this.fk.origin });
    const opened = await this.call('authenticate', { body: { ceremonyId: asked.ceremonyId, response, device: OwnerApp.signals } });
    return CreateSessionResponse.parse(answered(opened, 201)).token;
  }

  async requestAccess(minutes: number): Promise<EmergencyGrantView> {
    const reply = await this.call('requestEmergencyAccess', {
      token: await this.manage(),
      body: { serviceAccount: SERVICE, reason: ASKED, minutes },
    });
    return EmergencyGrantView.parse(answered(reply, 201));
  }
}

function answered(reply: Reply, status: number): unknown {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body;
}

/** A colleague with a role, signing in to the console with the security key they enrolled through FirstKey. */
async function colleague(fk: FirstKeyHarness, username: string, displayName: string, role: OperatorRole): Promise<KeyCredential[]> {
  await fk.server.services.accounts.createUser({ username, displayName, role: 'engineer' }, 'test');
  const { contents } = await fk.enrolSecurityKey(username);
  await fk.server.services.operatorRoles.grant(username, role, 'test-admin');
  return contents;
}

async function consoleOf(
  browser: Browser,
  fk: FirstKeyHarness,
  username: string,
  key: KeyCredential[],
  transport: 'usb' | 'internal' = 'usb',
): Promise<AgentBrowser> {
  const agent = await AgentBrowser.open(browser, fk);
  await agent.plugKey(key, transport);
  await agent.signIn(username);
  await expect(agent.page.getByRole('heading', { name: 'Recovery requests' })).toBeVisible();
  return agent;
}

async function openEmergencyAccess(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Emergency access' }).click();
  await expect(page.getByRole('heading', { name: 'Emergency access', level: 1 })).toBeFocused();
}

/** The service account (never a factor of its own) and its owner, named by IT at the command line. */
async function serviceOwnedBy(fk: FirstKeyHarness, owner: string): Promise<void> {
  const service = { username: SERVICE, displayName: 'Payments batch', role: 'service', accountKind: 'service' as const };
  await fk.server.services.accounts.createUser(service, 'test');
  const named = await fk.admin('set-service-owner', '--service', SERVICE, '--owner', owner);
  expect(named.code, named.out).toBe(0);
}

/** A system's API token that may only ask whether an emergency token works. */
async function introspector(fk: FirstKeyHarness): Promise<(token: string) => Promise<IntrospectionResponse>> {
  await fk.server.services.accounts.createUser({ username: 'gateway.bot.owner', displayName: 'Gateway team', role: 'engineer' }, 'test');
  await fk.server.services.operatorRoles.grant('gateway.bot.owner', 'admin', 'test-admin');
  const scopes: Permission[] = ['emergency:introspect'];
  const { token } = await fk.server.services.apiTokens.issue('gateway.bot.owner', { name: 'payments gateway', scopes }, 'test-admin');
  return async (emergencyToken) =>
    IntrospectionResponse.parse(
      answered(
        await send(fk.server.url, 'introspectEmergencyToken', {
          body: { token: emergencyToken },
          headers: { authorization: `Bearer ${token}` },
        }),
        200,
      ),
    );
}

/** The page as a person sees it at the narrow and the wide width, kept for review. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [480, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.setViewportSize(viewport);
}

/** axe, control borders, fit in every language at 480 px; then the review screenshots. */
async function look(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await checkScreen(page, testInfo, name);
  await shoot(page, name);
}

async function grantRow(fk: FirstKeyHarness, reference: string) {
  const grants = await fk.server.services.emergencyAccess.list();
  return grants.find((g) => g.reference === reference);
}

test.describe('console: emergency access', () => {
  // Each screen is checked in four languages at two widths.
  test.describe.configure({ timeout: 180_000 });

  test('an admin approves the owner’s request with a reason; the owner collects a token that works; the admin ends it early and it stops', async ({
    browser,
    fk,
  }, testInfo) => {
    const adminKey = await colleague(fk, 'ida.admin', 'Ida Admin', 'admin');
    const owner = await OwnerApp.enrol(fk, 'olga.owner', 'Olga Owner');
    await serviceOwnedBy(fk, owner.username);
    const introspect = await introspector(fk);

    const admin = await consoleOf(browser, fk, 'ida.admin', adminKey);
    const { page } = admin;
    await openEmergencyAccess(page);
    await expect(page.getByText('No one has asked for emergency access yet.')).toBeVisible();
    await look(page, testInfo, 'emergency-1-empty');

    // The owner asks, from a fresh manage session opened with her own passkey.
    const asked = await owner.requestAccess(30);
    expect(asked).toMatchObject({ status: 'requested', owner: 'olga.owner', serviceAccount: SERVICE });

    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.getByRole('row').filter({ hasText: asked.reference });
    await expect(row).toContainText('Waiting for a decision');
    await expect(row).toContainText(SERVICE);
    await expect(row).toContainText('olga.owner');
    await expect(row).toContainText('30 min');
    await expect(row).toContainText(ASKED);
    await expect(page.getByText('1 request is waiting for a decision. It is listed first.')).toBeVisible();
    await look(page, testInfo, 'emergency-2-requested');

    // Approve asks for a reason of at least 10 characters, and says so when it is shorter.
    await row.getByRole('button', { name: /^Approve/ }).click();
    const dialog = page.getByRole('dialog', { name: `Approve emergency access to ${SERVICE}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Reason')).toBeFocused();
    await dialog.getByLabel('Reason').fill('ok');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect(dialog.getByText('Give a reason of at least 10 characters (so far 2).')).toBeVisible();
    await expect(dialog.getByLabel('Reason')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByLabel('Reason')).toBeFocused();
    expect((await grantRow(fk, asked.reference))?.status).toBe('requested');
    await look(page, testInfo, 'emergency-3-reason-too-short');

    await dialog.getByLabel('Reason').fill('Confirmed with the payments on-call lead by phone');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect(dialog).toHaveCount(0);
    const approvedNote = page.getByRole('status').filter({ hasText: `${asked.reference} approved.` });
    await expect(approvedNote).toBeFocused();
    await expect(row).toContainText('Approved: token not collected yet');
    await expect(row).toContainText('Approved by ida.admin');
    await expect(row.getByRole('button', { name: /^Approve/ })).toHaveCount(0);
    await look(page, testInfo, 'emergency-4-approved');

    // The owner collects the token once from a fresh manage session; a system asking about it hears it works.
    const collected = ActivatedEmergencyAccess.parse(
      answered(await owner.call('activateEmergencyAccess', { token: await owner.manage(), params: { id: asked.id } }), 200),
    );
    expect(await introspect(collected.token)).toMatchObject({
      active: true,
      sub: SERVICE,
      act: { sub: 'olga.owner' },
      token_type: 'emergency_access',
      reference: asked.reference,
    });

    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row).toContainText('Active: token collected');
    // One use so far: the introspection above.
    await expect(row.getByRole('cell').filter({ hasText: 'Token collected' })).toHaveText(/^1\s*Token collected/);

    // Ended early from the console, with a reason: the token stops at once.
    await row.getByRole('button', { name: /^End now/ }).click();
    const ending = page.getByRole('dialog', { name: `End emergency access to ${SERVICE} now?` });
    await ending.getByLabel('Reason').fill('Settlement rerun finished; closing the window');
    await look(page, testInfo, 'emergency-5-end-now');
    await ending.getByRole('button', { name: 'End now' }).click();
    await expect(page.getByRole('status').filter({ hasText: `${asked.reference} ended.` })).toBeFocused();
    await expect(row).toContainText('Ended early');
    await expect(row).toContainText('by ida.admin');
    await expect(row.getByRole('button')).toHaveCount(0);
    expect(await introspect(collected.token)).toEqual({ active: false });

    // The report's filter: only what was ended, then nothing waiting.
    await page.getByLabel('Show').selectOption({ label: 'Ended early' });
    await expect(page.getByRole('row').filter({ hasText: asked.reference })).toBeVisible();
    await page.getByLabel('Show').selectOption({ label: 'Waiting for a decision' });
    await expect(page.getByText('Nothing to show for “Waiting for a decision”. Choose “All grants” to see every grant.')).toBeVisible();
    await look(page, testInfo, 'emergency-6-filter-empty');

    const audit = await fk.server.db
      .selectFrom('audit_events')
      .select(['event', 'actor'])
      .where('event', 'in', ['emergency.approved', 'emergency.ended'])
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { event: 'emergency.approved', actor: 'account:ida.admin' },
      { event: 'emergency.ended', actor: 'account:ida.admin' },
    ]);
    expect(await fk.auditIntact()).toBe(true);
    await admin.close();
  });

  test('the owner who is also an admin cannot approve their own request and is told why; an auditor sees the list without buttons; help desk has no entry', async ({
    browser,
    fk,
  }, testInfo) => {
    const owner = await OwnerApp.enrol(fk, 'olga.owner', 'Olga Owner');
    await fk.server.services.operatorRoles.grant(owner.username, 'admin', 'test-admin');
    await serviceOwnedBy(fk, owner.username);
    const auditorKey = await colleague(fk, 'audit.c', 'Cleo Auditor', 'auditor');
    const helpdeskKey = await colleague(fk, 'agent.a', 'Alice Agent', 'helpdesk');
    const asked = await owner.requestAccess(45);

    // Olga signs in to the console with the same passkey, and tries to approve her own request.
    const own = await consoleOf(browser, fk, owner.username, keyContents(owner.passkey), 'internal');
    await openEmergencyAccess(own.page);
    const row = own.page.getByRole('row').filter({ hasText: asked.reference });
    await expect(row).toContainText('You asked for this: another admin must decide it.');
    // The server decides who may approve: the button is there, and its refusal is what she reads.
    await row.getByRole('button', { name: /^Approve/ }).click();
    const dialog = own.page.getByRole('dialog', { name: `Approve emergency access to ${SERVICE}?` });
    await dialog.getByLabel('Reason').fill('I am on call and this is urgent');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    const refusal = dialog.getByRole('alert');
    await expect(refusal).toContainText('never by the person who asked for it');
    await expect(refusal).toContainText('The server said: “nobody approves their own emergency access: another admin must”');
    await look(own.page, testInfo, 'emergency-7-own-request-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    // Focus goes back to the button that opened the dialog.
    await expect(row.getByRole('button', { name: /^Approve/ })).toBeFocused();
    // By keyboard alone: Enter opens Deny's dialog, Escape leaves it, focus comes back.
    await own.page.keyboard.press('Tab');
    await expect(row.getByRole('button', { name: /^Deny/ })).toBeFocused();
    await own.page.keyboard.press('Enter');
    const denying = own.page.getByRole('dialog', { name: `Deny emergency access to ${SERVICE}?` });
    await expect(denying.getByLabel('Reason')).toBeFocused();
    await own.page.keyboard.press('Escape');
    await expect(denying).toHaveCount(0);
    await expect(row.getByRole('button', { name: /^Deny/ })).toBeFocused();
    await expect(row).toContainText('Waiting for a decision');
    expect((await grantRow(fk, asked.reference))?.status).toBe('requested');
    await own.close();

    // An auditor reads the report and cannot decide.
    const auditor = await consoleOf(browser, fk, 'audit.c', auditorKey);
    await openEmergencyAccess(auditor.page);
    const seen = auditor.page.getByRole('row').filter({ hasText: asked.reference });
    await expect(seen).toContainText('Waiting for a decision');
    await expect(seen).toContainText('45 min');
    await expect(auditor.page.getByText('You can see these grants but not decide them.')).toBeVisible();
    await expect(auditor.page.getByRole('button', { name: /^(Approve|Deny|End now)/ })).toHaveCount(0);
    await expect(auditor.page.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);
    await look(auditor.page, testInfo, 'emergency-8-auditor');
    await auditor.close();

    // The help desk's role does not read emergency access: no entry in its navigation.
    const agent = await consoleOf(browser, fk, 'agent.a', helpdeskKey);
    await expect(agent.page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Emergency access' })).toHaveCount(0);
    await agent.close();
  });
});
