import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { present, type FirstKeyHarness } from './harness.js';

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

/** The old computer: its own window, device key and passkey, with Ada enrolled on it as on her first day. */
export async function oldComputerWithPasskey(browser: Browser, fk: FirstKeyHarness): Promise<{ context: BrowserContext; old: Page }> {
  const context = await browser.newContext({ viewport: { width: 760, height: 800 } });
  const old = await context.newPage();
  await fk.attach(context, old, fk.newDevice());
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(old);
  await startEnrolment(old, await fk.issueCode());
  await keepRecoveryCodes(old);
  return { context, old };
}

/** On the new computer: the way in from the start screen, the username, and the code it shows. */
export async function askForApproval(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'I have a new computer and my old one is with me' }).click();
  await expect(page.getByRole('heading', { name: 'Approve this computer from your old one' })).toBeFocused();
  await page.getByLabel('Username').fill('ada.new');
  await page.getByRole('button', { name: 'Show me a code' }).click();
  await expect(page.getByRole('heading', { name: 'Type this code on your old computer' })).toBeVisible();
  return present(await page.getByText(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/).textContent(), 'the code shown');
}

/** On the old computer: My security, opened with the passkey that lives there. */
export async function openMySecurity(old: Page): Promise<void> {
  await old.getByRole('button', { name: 'Back to the start' }).click();
  await old.getByRole('button', { name: 'Manage my sign-in keys' }).click();
  await old.getByLabel('Username').fill('ada.new');
  await old.getByRole('button', { name: 'Use my key' }).click();
  await expect(old.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
}

export async function findComputer(old: Page, code: string): Promise<void> {
  await old.getByLabel('Code shown on the new computer').fill(code);
  await old.getByRole('button', { name: 'Find the computer' }).click();
}
