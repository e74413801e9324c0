import { expect, type Page } from '@playwright/test';

/**
 * The first steps every enrolment shares, as a person takes them: type the code, then confirm the
 * name and the kind of key with one button ("This is me: ..."), choosing another kind where given.
 */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

export async function startEnrolment(page: Page, code: string, factor?: RegExp): Promise<void> {
  await enterCode(page, code);
  await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  if (factor) await page.getByRole('radio', { name: factor }).check();
  await page.getByRole('button', { name: /^This is me:/ }).click();
}

/** The recovery-codes screen after a first enrolment: say they are saved, go on. Returns the codes shown. */
export async function keepRecoveryCodes(page: Page): Promise<string[]> {
  await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
  await expect(page.getByRole('heading', { name: 'You are all set' })).toBeVisible();
  return codes;
}
