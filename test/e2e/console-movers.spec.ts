import type { Browser } from '@playwright/test';
import type { DeviceSignals } from '../../api/enrolment.js';
import { CompleteResponse, CreateSessionResponse, RegistrationOptionsResponse } from '../../api/enrolment.js';
import { DpopKey } from '../support/dpop-key.js';
import type { OperationName } from '../../api/http.js';
import { send, type Reply, type SendOptions } from '../support/http-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { AgentBrowser } from './console-harness.js';
import { checkScreen, expect, test } from './fixtures.js';
import type { FirstKeyHarness, KeyCredential } from './harness.js';

/** A mover in the help-desk console, against the real server and database: an admin promotes a person whose only key is a synced passkey. */

const SIGNALS: DeviceSignals = { name: 'laptop', platform: 'linux', osVersion: '6.1', appVersion: '0.1.0-test', kind: 'personal' };

function answered(reply: Reply, status: number): unknown {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body;
}

/** A person enrolled through the enrolment API, as the app does it, with a passkey that may sync. */
async function enrolSynced(fk: FirstKeyHarness, username: string, displayName: string): Promise<void> {
  await fk.server.services.accounts.createUser({ username, displayName, role: 'engineer' }, 'test');
  const key = await DpopKey.create(() => fk.clock.now().getTime());
  const passkey = new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true });
  const call = (name: OperationName, opts: Omit<SendOptions, 'key'> = {}) => send(fk.server.url, name, { ...opts, key });
  const { token } = CreateSessionResponse.parse(
    answered(await call('openSession', { body: { code: await fk.issueCode(username), device: SIGNALS } }), 201),
  );
  const asked = RegistrationOptionsResponse.parse(answered(await call('registrationOptions', { token, body: { factor: 'passkey' } }), 200));
  const response = passkey.create(asked.options, { origin: fk.origin });
  answered(await call('verifyRegistration', { token, body: { factor: 'passkey', response } }), 201);
  CompleteResponse.parse(answered(await call('complete', { token }), 200));
}

async function adminConsole(browser: Browser, fk: FirstKeyHarness): Promise<AgentBrowser> {
  await fk.server.services.accounts.createUser({ username: 'ida.admin', displayName: 'Ida Admin', role: 'engineer' }, 'test');
  const { contents } = await fk.enrolSecurityKey('ida.admin');
  await fk.server.services.operatorRoles.grant('ida.admin', 'admin', 'test-admin');
  const agent = await AgentBrowser.open(browser, fk);
  await agent.plugKey(contents satisfies KeyCredential[]);
  await agent.signIn('ida.admin');
  await expect(agent.page.getByRole('heading', { name: 'Recovery requests' })).toBeVisible();
  return agent;
}

test.describe('console: movers', () => {
  test.describe.configure({ timeout: 180_000 });

  test('an admin promotes a person with a synced passkey: the page says the passkey falls short and until when', async ({
    browser,
    fk,
  }, testInfo) => {
    await enrolSynced(fk, 'ada.mover', 'Ada Mover');
    const admin = await adminConsole(browser, fk);
    const { page } = admin;
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Look up a person' }).click();
    await page.getByLabel('Username').fill('ada.mover');
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await page.getByLabel('New role').fill('admin');
    await page.getByRole('button', { name: 'Change role', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'Moved to role admin' });
    await expect(status).toBeVisible();
    await expect(status).toContainText('1 sign-in factor no longer meets the new tier; it keeps working until');
    await expect(status).toContainText('Ada Mover has been told to add one that does');
    const rows = await fk.server.db.selectFrom('factor_compliance').selectAll().execute();
    expect(rows).toHaveLength(1);
    await checkScreen(page, testInfo, 'movers');
    for (const width of [480, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `/tmp/pw-console-bg/shots/movers-${width}.png`, fullPage: true });
    }
    await admin.close();
  });
});
