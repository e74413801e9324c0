import { expect, test } from './fixtures.js';
import { enterCode, keepRecoveryCodes } from './journey.js';
import { findOverflow, weakBoundaries } from './screen-checks.js';

// Issue 14, "Languages", "Accessibility" and the layout-and-words defects: each test is named
// after the item it covers. Every screen these tests reach also goes through lookAt's checks.

const dayIn = (locale: string, iso: string) =>
  new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));

test.describe('Languages', () => {
  test('French, complete: chosen in the language picker, which is the first thing Tab reaches', async ({ page, fk, lookAt }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    await fk.open(page);
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Language')).toBeFocused();
    await page.getByLabel('Language').selectOption('fr');

    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { name: 'Configurez votre clé de connexion' })).toBeVisible();
    await expect(page.getByLabel('Langue')).toHaveValue('fr');
    await page.getByLabel('Code d’enrôlement').fill(code);
    await page.getByRole('button', { name: 'Continuer' }).click();
    await expect(page.getByRole('heading', { name: 'Est-ce bien vous ?' })).toBeVisible();
    // A label's colon is the language's own: French sets it off with a (no-break) space.
    await expect(page.getByText('Nom d’utilisateur : ada.new')).toBeVisible();
    await page.getByRole('button', { name: /^C.est moi/ }).click();
    await expect(page.getByRole('heading', { name: 'Enregistrez vos codes de récupération' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Codes de récupération' }).getByRole('listitem')).toHaveCount(10);
    await page.getByRole('button', { name: 'J’ai enregistré mes codes de récupération' }).click();
    await expect(page.getByRole('heading', { name: 'Tout est prêt' })).toBeVisible();
    const [credential] = await fk.credentials();
    await expect(page.getByRole('list', { name: 'Enregistrée le' })).toContainText(dayIn('fr', credential?.created_at ?? ''));
    await lookAt('5-done-fr');
    // Nothing English is left on a French screen.
    await expect(page.locator('main')).not.toContainText(/\b(the|your|key|sign-in)\b/i);
  });

  test('the pseudo-locale: a system asking for en-XA gets every string longer and accented, placeholders filled', async ({ page, fk }) => {
    await fk.open(page);
    await page.evaluate(() => {
      Object.defineProperty(navigator, 'languages', { configurable: true, get: () => ['en-XA', 'en-GB'] });
      window.dispatchEvent(new Event('languagechange'));
    });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^\[Šéţ ûþ ýöûŕ šîĝñ-îñ ķéý [~ ]+\]$/);
    await expect(page.locator('.step')).toHaveText(/^\[Šţéþ 1 öƒ 4 [~ ]+\]$/);
    // The picker shows the language in use, so a person can leave it.
    await expect(page.locator('header select')).toHaveValue('en-XA');
    await page.locator('header select').selectOption('en');
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
  });
});

test.describe('Accessibility', () => {
  test('the border and overflow checks every lookAt runs do catch the defects they look for', async ({ page }) => {
    // The colours before the fix: #c9d1db on white is 1.54:1. And a word too long for its box.
    await page.setContent(`
      <div style="background:#fff;width:300px">
        <input id="weak" style="border:2px solid #c9d1db">
        <input id="strong" style="border:2px solid #767f8c">
        <label class="choice" style="display:block;border:2px solid #c9d1db">A card</label>
        <p id="cut" style="overflow:hidden;white-space:nowrap;width:80px">A sentence far too long for eighty pixels</p>
      </div>`);
    const weak = await page.evaluate(weakBoundaries);
    expect(weak).toHaveLength(2);
    expect(weak[0]).toContain('<input#weak> "" border 1.54:1');
    expect(weak[1]).toContain('<label.choice> "A card"');
    expect(await page.evaluate(findOverflow)).toEqual([expect.stringContaining('<p#cut> "A sentence far too long')]);
  });

  test('the code field is marked invalid for a wrong code, never for a refusal that is not about the code', async ({
    page,
    fk,
    lookAt,
  }) => {
    await fk.open(page);
    const field = page.getByLabel('Enrolment code');
    await enterCode(page, 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ23-4567');
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(field).toHaveAttribute('aria-invalid', 'true');

    // A service account: the code is right, the account may not have a key.
    const code = await fk.issueCode('ada.new');
    await fk.server.db.updateTable('users').set({ account_kind: 'service' }).where('username', '=', 'ada.new').execute();
    await field.fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toContainText('workload identity');
    await expect(field).not.toHaveAttribute('aria-invalid');
    await lookAt('1-enter-code-service-account-field-valid');
  });
});

test.describe('Layout and words', () => {
  test('"No, this is not me" stops without the heading "That did not work"', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('button', { name: 'No, this is not me' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The code was for someone else' })).toBeVisible();
    await expect(page.getByText('That did not work')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await lookAt('1-enter-code-not-me');
  });

  test('recovery codes at 480 px: each code on one line, its number clear of it and of the codes beside it', async ({ page, fk }) => {
    await page.setViewportSize({ width: 480, height: 900 });
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    const items = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect(items).toHaveCount(10);
    const boxes = await items.evaluateAll((lis) =>
      lis.map((li) => {
        const code = li.querySelector('code') ?? li;
        const item = li.getBoundingClientRect();
        const text = code.getBoundingClientRect();
        return { item, text, lines: code.getClientRects().length };
      }),
    );
    for (const [i, { item, text, lines }] of boxes.entries()) {
      expect(lines, `code ${i + 1} is on one line`).toBe(1);
      // The number is drawn inside the item, before the code: the code starts well right of the item's edge.
      expect(text.left - item.left, `room for "${i + 1}." before code ${i + 1}`).toBeGreaterThan(16);
      for (const other of boxes.slice(i + 1)) {
        const apart =
          item.right <= other.item.left || other.item.right <= item.left || item.bottom <= other.item.top || other.item.bottom <= item.top;
        expect(apart, `codes ${i + 1} and ${boxes.indexOf(other) + 1} do not overlap`).toBe(true);
      }
    }
  });

  test('dates: day first under en-GB, and one date style on a German card', async ({ page, fk, lookAt }) => {
    // The browser's locale is en-GB (playwright.config.ts); a contractor's card has two dates.
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode('carl.contract'));
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await keepRecoveryCodes(page);
    const [credential] = await fk.credentials();
    const created = credential?.created_at ?? '';
    const until = credential?.expires_at ?? '';
    const card = page.getByRole('list', { name: 'Registered' });
    await expect(card).toContainText(`Registered ${dayIn('en-GB', created)}`);
    await expect(card).toContainText(`Valid until ${dayIn('en-GB', until)}`);

    await page.getByLabel('Language').selectOption('de');
    const karte = page.getByRole('list', { name: 'Registriert' });
    await expect(karte).toContainText(`Registriert ${dayIn('de', created)}`);
    await expect(karte).toContainText(`Gültig bis ${dayIn('de', until)}`);
    await expect(karte).not.toContainText(/Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|:\d\d/);
    await lookAt('5-done-contractor-de');
  });

  test('no "Step 1 of 4" on the ways back: recovery code, help desk, a key in hand', async ({ page, fk, lookAt }) => {
    await fk.open(page);
    await expect(page.getByText('Step 1 of 4')).toBeVisible();
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    await expect(page.getByRole('heading', { name: 'Get back in with a recovery code' })).toBeVisible();
    await expect(page.getByText(/Step \d of \d/)).toHaveCount(0);
    await page.getByRole('button', { name: 'I do not have my recovery codes' }).click();
    await expect(page.getByRole('heading', { name: 'Ask your help desk' })).toBeVisible();
    await expect(page.getByText(/Step \d of \d/)).toHaveCount(0);
    await lookAt('7-helpdesk-ask');
    await fk.open(page);
    await page.getByRole('button', { name: 'I have a new computer and my security key is with me' }).click();
    await expect(page.getByRole('heading', { name: 'Use your sign-in key' })).toBeVisible();
    await expect(page.getByText(/Step \d of \d/)).toHaveCount(0);
  });

  test('a key the tier does not accept says which: a model not approved', async ({ page, fk, lookAt }) => {
    // No attestation metadata here, so no model can be approved for a privileged user.
    await fk.addAuthenticator({ transport: 'usb' });
    await fk.open(page);
    await enterCode(page, await fk.issueCode('grace.admin'));
    await page.getByRole('button', { name: /^This is me:/ }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('not one your IT team has approved');
    await expect(alert).not.toContainText(/sync/i);
    await lookAt('4-ceremony-model-not-approved');
  });

  test('a key the tier does not accept says which: a passkey that syncs', async ({ page, fk, lookAt }) => {
    // A contractor's tier refuses passkeys that sync; this one is backup eligible, as a password manager's is.
    await fk.addAuthenticator({ transport: 'internal', synced: true });
    await fk.open(page);
    await enterCode(page, await fk.issueCode('carl.contract'));
    await page.getByRole('button', { name: 'This is me: create my passkey' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('This passkey syncs to other devices');
    await expect(alert).not.toContainText('approved');
    await lookAt('4-ceremony-synced-passkey');
    expect(await fk.credentials()).toHaveLength(0);
    const refusal = await fk.server.db
      .selectFrom('audit_events')
      .select('details')
      .where('event', '=', 'factor.refused')
      .executeTakeFirst();
    expect(JSON.parse(refusal?.details ?? '{}')).toMatchObject({ reason: 'synced_passkey', tier: 'contractor' });
  });
});
