import { fileURLToPath } from 'node:url';
import type { DevicePosture } from '../../api/posture.js';
import { reportedPosture } from '../fixtures/posture/postures.js';
import { expect, test } from './fixtures.js';
import { enterCode, keepRecoveryCodes, startEnrolment } from './journey.js';

/**
 * Issue 15, device posture, as the person sees it: their tier requires disk encryption, and this
 * computer reports none. The app says what is missing and how to fix it on this computer's OS before
 * any code is spent, keeps the ways back and the diagnostics export, and the same code works once the
 * computer reports encryption (main reads the posture again on Try again).
 */

const policy = (name: string) => ({
  serverSettings: { policyFile: fileURLToPath(new URL(`../fixtures/posture/${name}`, import.meta.url)) },
});

test.use(policy('policy-disk-encryption.yaml'));

async function codeState(fk: { server: { db: import('../../server/db/open.js').Db } }, username: string) {
  return fk.server.db
    .selectFrom('enrolment_codes')
    .innerJoin('users', 'users.id', 'enrolment_codes.user_id')
    .select(['enrolment_codes.used_at', 'enrolment_codes.failed_attempts'])
    .where('users.username', '=', username)
    .executeTakeFirstOrThrow();
}

test('a computer without disk encryption is told what to change; the same code works once it is on', async ({ page, fk, lookAt }) => {
  let posture: DevicePosture = reportedPosture({ diskEncryption: false });
  let reads = 0;
  fk.posture = () => {
    reads += 1;
    return Promise.resolve(posture);
  };
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(page);
  const code = await fk.issueCode('ada.new');
  await enterCode(page, code);

  await expect(page.getByRole('alert')).toContainText('does not meet your organisation');
  const refusal = page.getByRole('region', { name: 'Before this computer can hold a sign-in key' });
  await expect(refusal).toContainText('Disk encryption turned on');
  await expect(refusal).toContainText('Not on this computer yet.');
  // This machine is Linux: the fix said for Linux (the harness reports this machine's platform).
  await expect(refusal).toContainText('encrypting a Linux disk (LUKS) means reinstalling');
  await expect(refusal).toContainText('Your code was not used up');
  // Never a dead end: the ways back and the diagnostics export stay.
  await expect(page.getByRole('navigation', { name: 'Other ways in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Export diagnostics' })).toBeVisible();
  await lookAt('posture-refused');

  // Nothing spent: the code is unused, no try counted; the refusal is in the audit trail with what was missing.
  expect(await codeState(fk, 'ada.new')).toEqual({ used_at: null, failed_attempts: 0 });
  const refused = await fk.server.db.selectFrom('audit_events').select('details').where('event', '=', 'device.posture_refused').execute();
  expect(refused.map((r) => JSON.parse(r.details) as Record<string, unknown>)).toEqual([
    expect.objectContaining({ reason: 'diskEncryption', unmet: 'diskEncryption=false', platform: 'linux' }),
  ]);

  // Still not on: Try again says the same, and nothing is spent.
  await refusal.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('alert')).toContainText('does not meet your organisation');
  await expect(refusal).toContainText('Disk encryption turned on');
  expect(reads).toBe(2);

  // The person turns encryption on; Try again reads the computer again and sends the same code.
  posture = reportedPosture({ diskEncryption: true });
  await refusal.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Is this you?' })).toBeVisible();
  await page.getByRole('button', { name: /^This is me:/ }).click();
  await keepRecoveryCodes(page);
  await expect(page.getByRole('list', { name: 'Registered' })).toBeVisible();
  expect((await codeState(fk, 'ada.new')).used_at).not.toBeNull();
  const held = await fk.server.db.selectFrom('device_posture').select(['posture', 'source']).executeTakeFirstOrThrow();
  expect(held.source).toBe('self-reported');
  expect((JSON.parse(held.posture) as DevicePosture).diskEncryption.value).toBe(true);
});

test('a setting the computer could not check is said as such, with who can help', async ({ page, fk }) => {
  fk.posture = () => Promise.resolve(reportedPosture({ diskEncryption: 'unknown' }));
  await fk.addAuthenticator({ transport: 'internal' });
  await fk.open(page);
  await enterCode(page, await fk.issueCode('ada.new'));
  const refusal = page.getByRole('region', { name: 'Before this computer can hold a sign-in key' });
  await expect(refusal).toContainText('FirstKey could not check this on this computer.');
  await expect(refusal).toContainText('tell your IT team');
  // Another code is one click away.
  await refusal.getByRole('button', { name: 'Enter a different code' }).click();
  await expect(page.getByLabel('Enrolment code')).toBeVisible();
});

test.describe('a tier that checks the screen lock at sign-in too', () => {
  test.use(policy('policy-screen-lock-sign-in.yaml'));

  test('signing in from a computer whose screen no longer locks is refused after the key, with how to fix it; signing in again once it locks works', async ({
    page,
    fk,
    lookAt,
  }) => {
    let posture: DevicePosture = reportedPosture({ screenLock: true });
    fk.posture = () => Promise.resolve(posture);
    await fk.addAuthenticator({ transport: 'internal' });
    await fk.open(page);
    await startEnrolment(page, await fk.issueCode('ada.new'));
    await keepRecoveryCodes(page);

    // Later the screen lock is turned off; Ada opens her keys.
    posture = reportedPosture({ screenLock: false });
    await page.getByRole('button', { name: 'Back to the start' }).click();
    await page.getByRole('button', { name: 'Manage my sign-in keys' }).click();
    await page.getByLabel('Username').fill('ada.new');
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('alert')).toContainText('does not meet your organisation');
    const refusal = page.getByRole('region', { name: 'Before you can sign in on this computer' });
    await expect(refusal).toContainText('A screen that locks by itself');
    await expect(refusal).toContainText('Automatic Screen Lock');
    await lookAt('posture-refused-sign-in');

    posture = reportedPosture({ screenLock: true });
    await page.getByRole('button', { name: 'Use my key' }).click();
    await expect(page.getByRole('heading', { name: 'Your sign-in keys' })).toBeVisible();
    const refused = await fk.server.db.selectFrom('audit_events').select('details').where('event', '=', 'device.posture_refused').execute();
    expect(refused.map((r) => JSON.parse(r.details) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ checkpoint: 'sign-in', reason: 'screenLock' }),
    ]);
  });
});
