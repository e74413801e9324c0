import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import type { FirstKeyHarness } from './harness.js';
import { enterCode } from './journey.js';

// The reported set-up: a 5-minute idle limit inside a 15-minute life.
test.use({ serverSettings: { sessionIdleSeconds: 300, sessionTtlSeconds: 900 } });

/** Time passes for everyone: the page's clock and timers, and the server's clock. */
async function wait(page: Page, fk: FirstKeyHarness, seconds: number): Promise<void> {
  fk.clock.advance(seconds);
  await page.clock.fastForward(seconds * 1000);
}

async function sessionRows(fk: FirstKeyHarness) {
  return fk.server.db.selectFrom('sessions').select(['id', 'ended_at', 'completed_at']).orderBy('created_at').execute();
}

async function headerBox(page: Page) {
  return page.getByRole('banner').boundingBox();
}

test.describe('The app ends active sessions at 5:00', () => {
  test('someone who starts the key ceremony at 3:00 and keeps working is not sent back at 5:10, and finishes', async ({ page, fk }) => {
    await page.clock.install();
    // The key waits for a touch: the person is busy with it.
    await fk.addAuthenticator({ transport: 'internal', touched: false });
    await fk.open(page);
    await enterCode(page, await fk.issueCode());
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await expect(page.getByText(/Time left: (5:00|4:5\d)/)).toBeVisible();

    await wait(page, fk, 180);
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await expect(page.getByRole('heading', { name: 'Confirm with this computer' })).toBeVisible();

    await wait(page, fk, 130);
    // 5:10: still at the key, nothing said, and the session still open on the server.
    await expect(page.getByRole('heading', { name: 'Confirm with this computer' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect((await sessionRows(fk)).map((s) => s.ended_at)).toEqual([null]);
    // The ceremony's call at 3:00 pushed the idle end to 8:00, and the timer counts to it.
    await expect(page.getByText(/Time left: 2:[3-5]\d/)).toBeVisible();
    await expect(page.getByText('Pauses after 5 min without activity')).toBeVisible();

    // Still working: the key is touched on the second try, and the setup completes in the same session.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await fk.addAuthenticator({ transport: 'internal' });
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
    const [session] = await sessionRows(fk);
    expect(session?.completed_at).not.toBeNull();
  });

  test('someone really idle past the limit returns to the start, the session is ended on the server, and the code works again here', async ({
    page,
    fk,
    lookAt,
  }) => {
    await page.clock.install();
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    const code = await fk.issueCode();
    await enterCode(page, code);
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();

    await wait(page, fk, 301);
    await expect(page.getByRole('heading', { name: 'Set up your sign-in key' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('Enter your code again to start over: it still works on this computer.');
    await lookAt('1-enter-code-timed-out');
    // The app ended it: not left to the server to find out at the next call.
    await expect.poll(async () => (await sessionRows(fk))[0]?.ended_at ?? null).not.toBeNull();

    await enterCode(page, code);
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await page.getByRole('button', { name: /^This is me:/ }).click();
    await expect(page.getByRole('heading', { name: 'Save your recovery codes' })).toBeVisible();
    const audit = await fk.server.db.selectFrom('audit_events').select('event').where('event', '=', 'code.reopened').execute();
    expect(audit).toHaveLength(1);
  });

  test('the code stays used from any other computer after the timeout', async ({ page, fk }) => {
    await page.clock.install();
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    const code = await fk.issueCode();
    await enterCode(page, code);
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await wait(page, fk, 301);
    await expect(page.getByRole('alert')).toContainText('Enter your code again');

    await fk.moveTo(page, fk.newDevice());
    await enterCode(page, code);
    await expect(page.getByRole('alert')).toContainText('That code has already been used');
  });
});

test.describe('the two-minute warning reflows the header', () => {
  for (const width of [480, 1280]) {
    test(`the header keeps its box when the warning comes, at ${width} px`, async ({ page, fk }) => {
      await page.setViewportSize({ width, height: 800 });
      await page.clock.install();
      await fk.addAuthenticator({ transport: 'internal' });
      await fk.open(page);
      await enterCode(page, await fk.issueCode());
      await expect(page.getByText(/Time left: (5:00|4:5\d)/)).toBeVisible();
      const before = await headerBox(page);

      await wait(page, fk, 200);
      await expect(page.getByRole('status').filter({ hasText: 'Less than 2 minutes left' })).toBeAttached();
      const after = await headerBox(page);
      expect(before).not.toBeNull();
      expect(after).toEqual(before);
      await expect(page.getByText('Still working? Any step keeps it going.')).toBeVisible();
    });
  }
});

test.describe('Wrong-code messages should say how many tries are left', () => {
  test('a wrong enrolment code says how many more tries come before the wait, then that the next one waits', async ({ page, fk }) => {
    await fk.open(page);
    const code = await fk.issueCode();
    // The right handle, a wrong secret: a typing mistake in the second half.
    const last = code.at(-1) === 'A' ? 'B' : 'A';
    const wrong = code.slice(0, -1) + last;
    await enterCode(page, wrong);
    await expect(page.getByRole('alert')).toContainText(
      'We did not recognise that code. Check it and try again: 2 more tries before you have to wait.',
    );
    await enterCode(page, wrong);
    await expect(page.getByRole('alert')).toContainText(
      'We did not recognise that code. Check it and try again: 1 more try before you have to wait.',
    );
    await enterCode(page, wrong);
    await expect(page.getByRole('alert')).toContainText('Check it: before the next try you will have to wait a little.');
  });

  test('a wrong recovery code says the tries left, and an unknown username hears exactly the same', async ({ page, fk }) => {
    await fk.open(page);
    await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    const said: string[] = [];
    for (const username of ['ada.new', 'nobody.here']) {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Recovery code').fill('ABCD-EFGH-JKMN-PQRS');
      await page.getByRole('button', { name: 'Continue' }).click();
      const alert = page.getByRole('alert');
      await expect(alert).toContainText(
        'That username and recovery code do not match. Check both and try again: 2 more tries before you have to wait.',
      );
      said.push(await alert.innerText());
      await page.reload();
      await page.getByRole('button', { name: 'I lost my sign-in key' }).click();
    }
    expect(said[1]).toBe(said[0]);
  });
});
