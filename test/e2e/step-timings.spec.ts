import { expect, test } from './fixtures.js';
import type { FirstKeyHarness } from './harness.js';
import { enterCode, keepRecoveryCodes, startEnrolment } from './journey.js';

/**
 * Friction metrics from a real enrolment in Chromium: the renderer times each screen, main sends the
 * times with the session's token, and the server holds steps and milliseconds for that session with
 * its tier, and nothing that names the person.
 */
async function timingsFor(fk: FirstKeyHarness, purpose: 'enrol') {
  const sessions = await fk.server.db.selectFrom('sessions').select('id').where('purpose', '=', purpose).execute();
  const ids = sessions.map((s) => s.id);
  if (ids.length === 0) return [];
  return fk.server.db.selectFrom('step_timings').selectAll().where('session_id', 'in', ids).orderBy('position').execute();
}

test.describe('step timings', () => {
  test('a completed enrolment leaves the time of each screen, kept with the session and tier only', async ({ page, fk }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    await fk.open(page);
    await startEnrolment(page, code);
    await keepRecoveryCodes(page);

    await expect.poll(async () => (await timingsFor(fk, 'enrol')).map((r) => r.step)).toEqual(['code', 'confirm', 'ceremony', 'codes']);
    const rows = await timingsFor(fk, 'enrol');
    const [session] = await fk.server.db.selectFrom('sessions').select(['id', 'user_id']).where('purpose', '=', 'enrol').execute();
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['ms', 'position', 'recorded_at', 'session_id', 'step', 'tier']);
      expect(row).toMatchObject({ session_id: session?.id, tier: 'standard' });
      expect(Number.isInteger(row.ms) && row.ms >= 0).toBe(true);
    }
    const stored = JSON.stringify(rows);
    for (const personal of ['ada.new', 'Ada Lovelace', code, session?.user_id ?? '']) expect(stored).not.toContain(personal);
    // The screens were really timed: the person spent a visible while on the code screen and on "Is this you?".
    expect(rows.reduce((sum, r) => sum + r.ms, 0)).toBeGreaterThan(0);
  });

  test('a session left on "Is this you?" says where the person stopped, and the person sees nothing of it', async ({ page, fk }) => {
    const code = await fk.issueCode();
    await fk.open(page);
    await enterCode(page, code);
    await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
    await page.getByRole('button', { name: 'No, this is not me' }).click();
    await expect(page.getByRole('main').getByRole('status').first()).toContainText('The code was for someone else');
    await expect.poll(async () => (await timingsFor(fk, 'enrol')).map((r) => r.step)).toEqual(['code', 'confirm']);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});
