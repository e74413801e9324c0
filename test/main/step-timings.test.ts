import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { RunningServer } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { newDevice } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * The app's step timings through main, against the real server: the renderer names the session by
 * its id, main sends them with the token it kept (after the session completed or ended), once, and
 * the server keeps steps and milliseconds with the session id and tier only.
 */
const clock = new TestClock('running');
let server: RunningServer;

beforeAll(async () => {
  server = await startDemoServer({}, clock);
});
afterAll(async () => {
  await server.close();
});

async function timingsOf(sessionId: string) {
  return server.db.selectFrom('step_timings').selectAll().where('session_id', '=', sessionId).orderBy('position').execute();
}

const TIMINGS = [
  { step: 'code', ms: 4200 },
  { step: 'confirm', ms: 2100 },
  { step: 'ceremony', ms: 9300 },
  { step: 'codes', ms: 12_000 },
] as const;

describe('step timings through main', () => {
  it('after a completed enrolment: sent once with the token main kept, stored without anything personal', async () => {
    const { code, username } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const session = await app.value('startSession', { code });
    const options = await app.value('registrationOptions', { factor: 'passkey' });
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: DEMO_ENROLMENT_ORIGIN });
    await app.value('verifyRegistration', { factor: 'passkey', response });
    await app.value('completeSession');

    expect(await app.value('reportStepTimings', { sessionId: session.id, timings: [...TIMINGS] })).toBeNull();
    const rows = await timingsOf(session.id);
    expect(rows.map((r) => [r.position, r.step, r.ms, r.tier])).toEqual(TIMINGS.map((t, i) => [i, t.step, t.ms, 'standard']));
    expect(JSON.stringify(rows)).not.toContain(username);
    expect(JSON.stringify(rows)).not.toContain(code);

    // Once: main no longer holds a token for it.
    expectRefused(await app.call('reportStepTimings', { sessionId: session.id, timings: [{ step: 'code', ms: 1 }] }), 'no_session');
    expect(await timingsOf(session.id)).toHaveLength(TIMINGS.length);
  });

  it('after the person ended the session on "Is this you?": the last step says where they stopped', async () => {
    const { code } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    const session = await app.value('startSession', { code });
    await app.value('endSession');
    await app.value('reportStepTimings', { sessionId: session.id, timings: [TIMINGS[0], TIMINGS[1]] });
    expect((await timingsOf(session.id)).map((r) => r.step)).toEqual(['code', 'confirm']);
  });

  it("the gate refuses anything but steps and milliseconds, and another window's session", async () => {
    const { code, username } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    const session = await app.value('startSession', { code });
    const other = windowOf(newDevice(server.url, { clock }));
    expectRefused(await other.call('reportStepTimings', { sessionId: session.id, timings: [TIMINGS[0]] }), 'no_session');
    for (const payload of [
      { sessionId: session.id, timings: [{ step: 'code', ms: 1, username }] },
      { sessionId: session.id, timings: [{ step: 'typed a name', ms: 1 }] },
      { sessionId: session.id, timings: [] },
      { sessionId: session.id, timings: [TIMINGS[0]], username },
    ]) {
      expectRefused(await app.call('reportStepTimings', payload), 'bad_payload');
    }
    expect(await timingsOf(session.id)).toEqual([]);
  });

  it('a refusal from the server comes back as a failure, never a thrown error', async () => {
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    const { code } = await newEnrolee(server);
    const session = await app.value('startSession', { code });
    await app.value('endSession');
    // Long after the session's end the server no longer takes them.
    clock.advance(2 * 3600);
    expectRefused(await app.call('reportStepTimings', { sessionId: session.id, timings: [TIMINGS[0]] }), 'session_expired');
  });
});
