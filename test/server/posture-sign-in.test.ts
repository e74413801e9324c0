import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, expectRefusal, expectStatus, passkey } from '../support/api-harness.js';
import { reportedPosture } from '../fixtures/posture/postures.js';

/**
 * Issue 15, device posture at sign-in: a tier can check posture where a person signs in with a factor
 * they have (a new computer, managing their keys), not only where a code is used. The assertion is
 * verified first, so only the key's holder learns what is missing; the factor is untouched and the
 * person signs in again once the computer is fixed. A tier checking at enrolment only lets sign-ins by.
 */

const POLICY = PolicyFile.parse({
  ...DEFAULT_POLICY,
  tiers: {
    ...DEFAULT_POLICY.tiers,
    // Checked at sign-in only, so the enrolment below goes through on any computer.
    standard: { ...DEFAULT_POLICY.tiers.standard, devicePosture: { screenLock: 'required', checkAt: ['sign-in'] } },
    contractor: { ...DEFAULT_POLICY.tiers.contractor, devicePosture: { screenLock: 'required' } },
  },
});

let api: Api;
beforeAll(async () => {
  api = await Api.start({}, { policy: PolicyStore.fixed(POLICY) });
});
afterAll(() => api.close());

describe('a tier checking posture at sign-in', () => {
  it('refuses a computer without a screen lock after the key verified, keeps the factor, and lets the person in once it locks', async () => {
    const first = await api.device({ posture: reportedPosture({ screenLock: false }) });
    const key = passkey();
    const { username, credentialId } = await api.enrolled(first, key, 'passkey');

    const newLaptop = await api.device({ platform: 'darwin', posture: reportedPosture({ screenLock: false }) });
    const reply = await newLaptop.authenticate(username, 'replace', key);
    expectRefusal(reply, 403, 'device_posture_insufficient');
    expect(ApiError.parse(reply.body).error.posture).toEqual({
      platform: 'darwin',
      unmet: [{ requirement: 'screenLock', reported: false }],
    });
    const factor = await api.db.selectFrom('credentials').select('status').where('id', '=', credentialId).executeTakeFirstOrThrow();
    expect(factor.status).toBe('active');
    const refused = (await api.auditOf(username)).filter((e) => e.event === 'device.posture_refused');
    expect(refused.map((e) => e.details)).toEqual([
      expect.objectContaining({ checkpoint: 'sign-in', reason: 'screenLock', tier: 'standard' }),
    ]);

    const fixed = await api.device({ platform: 'darwin', posture: reportedPosture({ screenLock: true }) });
    expectStatus(await fixed.authenticate(username, 'replace', key), 201);
  });

  it('an assertion that does not verify is refused as such: the posture is told only to the key’s holder', async () => {
    const first = await api.device({ posture: reportedPosture() });
    const key = passkey();
    const { username } = await api.enrolled(first, key, 'passkey');
    const stranger = await api.device({ posture: reportedPosture({ screenLock: false }) });
    const reply = await stranger.authenticate(username, 'replace', key, { corruptSignature: true });
    expectRefusal(reply, 400, 'verification_failed');
    expect(ApiError.parse(reply.body).error.posture).toBeUndefined();
  });

  it('a tier checking at enrolment only (the default) lets a sign-in through on any computer', async () => {
    // Contractors' tier requires a screen lock where codes are used: this enrolment's computer has one.
    const first = await api.device({ posture: reportedPosture() });
    const key = passkey();
    const { username } = await api.enrolled(first, key, 'passkey', { employmentType: 'contractor' });
    const unlocked = await api.device({ posture: reportedPosture({ screenLock: false }) });
    expectStatus(await unlocked.authenticate(username, 'replace', key), 201);
  });
});
