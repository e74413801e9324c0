import type { Page } from '@playwright/test';
import { ApiClientError } from '../../electron/main/api-client.js';
import type { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { expect, test } from './fixtures.js';
import type { FirstKeyHarness } from './harness.js';

/** What the kiosk specs share: the onboarding team's operator, a station they stand at, and the steps at it. */

export const PIN = '482915';

export const OPERATOR = { username: 'hedy.ops', displayName: 'Hedy Lamarr', role: 'onboarding' };

/**
 * The operators here are the onboarding team (FIRSTKEY_KIOSK_OPERATOR_ROLES=onboarding): the built-in
 * policy puts admins in the privileged tier, whose keys need attestation from a trusted root that a
 * software key cannot give. Call at the top of a spec file.
 */
export function withOnboardingOperator(): void {
  test.use({ serverSettings: { kioskOperatorRoles: ['onboarding'] } });

  test.beforeEach(async ({ fk }) => {
    await fk.server.services.accounts.createUser(OPERATOR, 'test');
    // The HR role alone makes nobody a kiosk operator: a console role that issues codes too (server/kiosk/operator-step.ts).
    await fk.server.services.operatorRoles.grant(OPERATOR.username, 'helpdesk', 'test-admin');
  });
}

/** Whatever a call was refused with, as the IPC gate would pass it on. */
export async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'accepted';
  } catch (error) {
    return error instanceof ApiClientError ? error.code : String(error);
  }
}

/** A registered station on this page, with the operator's own security key plugged in. */
export async function stationWithOperator(fk: FirstKeyHarness, page: Page): Promise<EnrolmentController> {
  const station = await fk.registeredStation();
  const { contents } = await fk.enrolSecurityKey(OPERATOR.username);
  await fk.moveTo(page, station);
  await fk.plugKey(contents);
  return station;
}

export async function operatorConfirms(
  page: Page,
  newHire: string,
  operator = OPERATOR.username,
  checks = ['Photo ID checked', "The name matches the new hire's record"],
): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Confirm the next new hire' })).toBeVisible();
  await page.getByLabel("New hire's username").fill(newHire);
  for (const check of checks) await page.getByRole('checkbox', { name: check }).check();
  await page.getByLabel('Your username (operator)').fill(operator);
  await page.getByRole('button', { name: 'Confirm with my security key' }).click();
}

/** The new hire's part: their code, their name, their key; returns the recovery codes shown. */
export async function newHireEnrols(page: Page, code: string): Promise<string[]> {
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'This is me: set up my security key' }).click();
  await expect(page.getByRole('heading', { name: 'Print your recovery codes' })).toBeVisible();
  return page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
}
