import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { FunnelReport } from '../../api/friction.js';
import type { DevicePosture } from '../../api/posture.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { PolicyFile } from '../../server/policy/schema.js';
import { PolicyStore } from '../../server/policy/store.js';
import { Api, expectAnswer, expectRefusal, expectStatus, passkey, type Reply } from '../support/api-harness.js';
import { reportedPosture } from '../fixtures/posture/postures.js';

/**
 * Issue 15, device posture: a tier can require disk encryption, a screen lock, MDM and a minimum OS
 * version. The server decides when an enrolment code opens its session, before the code is spent:
 * a device short of it is refused with what is missing, the code keeps its tries and works from the
 * same device once it reports what the tier asks; the posture is kept with the device, self-reported.
 */

const POLICY = PolicyFile.parse({
  ...DEFAULT_POLICY,
  tiers: {
    ...DEFAULT_POLICY.tiers,
    standard: {
      ...DEFAULT_POLICY.tiers.standard,
      devicePosture: {
        diskEncryption: 'required',
        screenLock: 'required',
        minOsVersion: { linux: '6.1', windows: '10.0.19045', macos: '14.0' },
      },
    },
  },
});

let api: Api;
beforeAll(async () => {
  api = await Api.start({}, { policy: PolicyStore.fixed(POLICY) });
});
afterAll(() => api.close());

async function codeRow(username: string) {
  return api.db
    .selectFrom('enrolment_codes')
    .innerJoin('users', 'users.id', 'enrolment_codes.user_id')
    .select(['enrolment_codes.used_at', 'enrolment_codes.failed_attempts', 'enrolment_codes.locked_at'])
    .where('users.username', '=', username)
    .executeTakeFirstOrThrow();
}

async function heldPosture(deviceId: string): Promise<{ posture: DevicePosture; source: string } | undefined> {
  const row = await api.db.selectFrom('device_posture').select(['posture', 'source']).where('device_id', '=', deviceId).executeTakeFirst();
  return row ? { posture: JSON.parse(row.posture) as DevicePosture, source: row.source } : undefined;
}

function refusalOf(reply: Reply) {
  expectRefusal(reply, 403, 'device_posture_insufficient');
  return ApiError.parse(reply.body).error;
}

describe('a tier requiring disk encryption', () => {
  it('refuses a device reporting none, with the requirement named, leaving the code unspent with its tries; the same code works once the device reports encryption', async () => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const laptop = await api.device({ platform: 'linux', posture: reportedPosture({ diskEncryption: false }) });

    // Asked more times than the code has tries (codeMaxAttempts is 3): a posture refusal is not a wrong try.
    for (let i = 0; i < 5; i += 1) {
      const refused = refusalOf(await laptop.call('openSession', { body: { code, device: laptop.signals } }));
      expect(refused.posture).toEqual({ platform: 'linux', unmet: [{ requirement: 'diskEncryption', reported: false }] });
    }
    expect(await codeRow(username)).toEqual({ used_at: null, failed_attempts: 0, locked_at: null });
    const deviceId = await api.deviceId(laptop);
    expect((await heldPosture(deviceId))?.posture.diskEncryption).toEqual({ value: false, source: 'self-reported' });
    const refusals = (await api.auditOf(username)).filter((e) => e.event === 'device.posture_refused');
    expect(refusals).toHaveLength(5);
    expect(refusals[0]?.details).toMatchObject({
      deviceId,
      tier: 'standard',
      reason: 'diskEncryption',
      unmet: 'diskEncryption=false',
      checkpoint: 'enrol',
    });

    // The person turns encryption on; the app reads it again and sends the same code.
    const fixed = { ...laptop.signals, posture: reportedPosture({ diskEncryption: true }) };
    const opened = expectStatus(await laptop.call('openSession', { body: { code, device: fixed } }), 201);
    expect(opened).toMatchObject({ session: { purpose: 'enrol', user: { username } } });
    expect((await codeRow(username)).used_at).not.toBeNull();
    expect((await heldPosture(deviceId))?.posture.diskEncryption.value).toBe(true);
    const recorded = (await api.auditOf(username)).filter((e) => e.event === 'device.posture_recorded').map((e) => e.details);
    expect(recorded.at(-1)).toMatchObject({ deviceId, diskEncryption: true, screenLock: true, os: 'linux 6.8.0', source: 'self-reported' });
  });

  it('a wrong code is answered as a wrong code, never with the tier’s posture: the requirement is only told to the code’s holder', async () => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const laptop = await api.device({ posture: reportedPosture({ diskEncryption: false }) });
    const wrong = `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`;
    const reply = await laptop.call('openSession', { body: { code: wrong, device: laptop.signals } });
    expectRefusal(reply, 400, 'code_invalid');
    expect(ApiError.parse(reply.body).error.posture).toBeUndefined();
  });

  it.each([
    [
      'could not tell (unknown is not yes)',
      { diskEncryption: 'unknown' as const },
      [{ requirement: 'diskEncryption', reported: 'unknown' }],
    ],
    ['no screen lock', { screenLock: false }, [{ requirement: 'screenLock', reported: false }]],
    [
      'a kernel older than the minimum, and no encryption: every shortfall, in order',
      { diskEncryption: false, os: { family: 'linux' as const, version: '5.15.0' } },
      [
        { requirement: 'diskEncryption', reported: false },
        { requirement: 'minOsVersion', reported: '5.15.0', minimum: '6.1' },
      ],
    ],
  ])('refuses a device that reports %s', async (_label, overrides, unmet) => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const laptop = await api.device({ posture: reportedPosture(overrides) });
    expect(refusalOf(await laptop.call('openSession', { body: { code, device: laptop.signals } })).posture?.unmet).toEqual(unmet);
    expect((await codeRow(username)).used_at).toBeNull();
  });

  it('refuses an app that reports no posture at all (older than posture): silence meets no requirement', async () => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const old = await api.device({ platform: 'win32' });
    const refused = refusalOf(await old.call('openSession', { body: { code, device: old.signals } }));
    expect(refused.posture).toEqual({
      platform: 'win32',
      unmet: [
        { requirement: 'diskEncryption', reported: 'unknown' },
        { requirement: 'screenLock', reported: 'unknown' },
        { requirement: 'minOsVersion', reported: 'unknown', minimum: '10.0.19045' },
      ],
    });
  });

  it('judges the version by the OS the device is: a Windows build and its update against the Windows minimum', async () => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const old = await api.device({
      platform: 'win32',
      posture: reportedPosture({ os: { family: 'windows', version: '10.0.19044.5011' } }),
    });
    expect(refusalOf(await old.call('openSession', { body: { code, device: old.signals } })).posture?.unmet).toEqual([
      { requirement: 'minOsVersion', reported: '10.0.19044.5011', minimum: '10.0.19045' },
    ]);
    const current = await api.device({
      platform: 'win32',
      posture: reportedPosture({ os: { family: 'windows', version: '10.0.22631.4317' } }),
    });
    expectStatus(await current.call('openSession', { body: { code, device: current.signals } }), 201);
  });

  it('keeps what the app marks "verified" as self-reported: the app cannot vouch for itself', async () => {
    const username = await api.createUser();
    const code = await api.enrolmentCode(username);
    const posture = reportedPosture();
    const claimed = { ...posture, diskEncryption: { value: true, source: 'verified' as const } };
    const laptop = await api.device({ posture: claimed });
    expectStatus(await laptop.call('openSession', { body: { code, device: laptop.signals } }), 201);
    const held = await heldPosture(await api.deviceId(laptop));
    expect(held?.source).toBe('self-reported');
    expect(held?.posture.diskEncryption).toEqual({ value: true, source: 'self-reported' });
  });

  it('a tier without devicePosture lets a device without encryption enrol, and still keeps its posture', async () => {
    const laptop = await api.device({ posture: reportedPosture({ diskEncryption: false, screenLock: false }) });
    // Contractors' tier has no devicePosture in this policy.
    const { username } = await api.enrolled(laptop, passkey(), 'passkey', { employmentType: 'contractor' });
    expect((await heldPosture(await api.deviceId(laptop)))?.posture.diskEncryption.value).toBe(false);
    expect((await api.auditOf(username)).some((e) => e.event === 'device.posture_refused')).toBe(false);
  });

  it('the friction funnel counts the refusals by the requirement that was missing', async () => {
    // The report ends at "now", exclusive: the frozen clock moves past the refusals.
    api.clock.advance(1);
    const report = FunnelReport.parse(expectAnswer('funnelReport', await api.admin('funnelReport', { query: { since: '1d' } })));
    const byReason = new Map(report.refusals.map((r) => [r.reason, r.count]));
    // 5 + 1 (unknown) + 1 (both; the first names it) + 1 (no posture) from the tests above.
    expect(byReason.get('posture:diskEncryption')).toBe(8);
    expect(byReason.get('posture:screenLock')).toBe(1);
    expect(byReason.get('posture:minOsVersion')).toBe(1);
  });
});
