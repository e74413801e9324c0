import { expect, type Page } from '@playwright/test';

/**
 * The first steps every enrolment shares, as a person takes them: type the code,
 * confirm the name, and (where given) pick a factor and go on to the ceremony.
 */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

export async function startEnrolment(page: Page, code: string, factor?: RegExp): Promise<void> {
  await enterCode(page, code);
  await page.getByRole('button', { name: 'Yes, continue' }).click();
  await expect(page.getByRole('heading', { name: 'Choose your sign-in key' })).toBeVisible();
  if (factor) await page.getByRole('radio', { name: factor }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** The recovery-codes screen after a first enrolment: tick that they are saved, go on. Returns the codes shown. */
export async function keepRecoveryCodes(page: Page): Promise<string[]> {
  await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  await page.getByRole('checkbox', { name: 'I have saved my recovery codes somewhere safe' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
  return codes;
}
