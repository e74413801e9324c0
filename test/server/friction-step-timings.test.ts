import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STEP_MS, MAX_STEP_TIMINGS } from '../../api/friction.js';
import { REPORT_GRACE_SECONDS } from '../../server/friction/step-timings.js';
import { Api, expectRefusal, expectStatus, passkey, type Device } from '../support/api-harness.js';

/** What the app may send about a session's screens, and who may send it: a closed list, the session's own key, once. */
let api: Api;
beforeAll(async () => {
  api = await Api.start();
});
afterAll(() => api.close());

async function enrolSession(): Promise<{ device: Device; token: string; username: string }> {
  const username = await api.createUser();
  const device = await api.device();
  const token = await device.openEnrolment(await api.enrolmentCode(username));
  return { device, token, username };
}

const send = (device: Device, token: string, body: unknown) => device.call('reportStepTimings', { token, body });
const GOOD = [{ step: 'code', ms: 1200 }];

describe('step timings', () => {
  it('refuses anything but steps from the closed list with whole, bounded milliseconds', async () => {
    const { device, token, username } = await enrolSession();
    const bad: unknown[] = [
      [],
      [{ step: 'code', ms: 1200, username }],
      [{ step: 'code', ms: 1200, note: 'free text' }],
      [{ step: 'my-secret-step', ms: 1 }],
      [{ step: 'code', ms: -1 }],
      [{ step: 'code', ms: 1.5 }],
      [{ step: 'code', ms: MAX_STEP_MS + 1 }],
      Array.from({ length: MAX_STEP_TIMINGS + 1 }, () => ({ step: 'confirm', ms: 1 })),
      { timings: GOOD },
    ];
    for (const body of bad) expectRefusal(await send(device, token, body), 400, 'invalid_request');
    expect(await api.db.selectFrom('step_timings').selectAll().execute()).toEqual([]);
    expectStatus(
      await send(
        device,
        token,
        Array.from({ length: MAX_STEP_TIMINGS }, () => ({ step: 'confirm', ms: MAX_STEP_MS })),
      ),
      204,
    );
  });

  it("takes them only with the session's own device key, without a token nothing", async () => {
    const { token } = await enrolSession();
    const stranger = await api.device();
    expectRefusal(await send(stranger, token, GOOD), 401, 'dpop_invalid');
    expectRefusal(await stranger.call('reportStepTimings', { body: GOOD }), 401, 'session_invalid');
    expectRefusal(await send(stranger, 'A'.repeat(43), GOOD), 401, 'session_invalid');
  });

  it('takes them after the session ended, but not long after it expired', async () => {
    const ended = await enrolSession();
    expectStatus(await ended.device.call('endSession', { token: ended.token }), 204);
    expectStatus(await send(ended.device, ended.token, GOOD), 204);

    const lapsed = await enrolSession();
    api.clock.advance(api.config.sessionTtlSeconds + REPORT_GRACE_SECONDS + 1);
    expectRefusal(await send(lapsed.device, lapsed.token, GOOD), 401, 'session_expired');
  });

  it('only for enrolment sessions: a manage session has no enrolment steps', async () => {
    const device = await api.device();
    const key = passkey();
    const { username } = await api.enrolled(device, key, 'passkey');
    const manage = await device.sessionWith(username, 'manage', key);
    expectRefusal(await send(device, manage, GOOD), 403, 'purpose_not_allowed');
  });

  it('is audited with the session and the number of steps, nothing the person typed', async () => {
    const { device, token, username } = await enrolSession();
    expectStatus(await send(device, token, [...GOOD, { step: 'confirm', ms: 800 }]), 204);
    const event = (await api.auditOf(username)).find((e) => e.event === 'session.step_timings');
    expect(event).toMatchObject({ actor: 'app', details: { steps: 2, tier: 'standard' } });
    expect(Object.keys(event?.details ?? {}).sort()).toEqual(['sessionId', 'steps', 'tier']);
  });
});
