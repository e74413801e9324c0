import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import type { SessionDeadlines } from '../../api/enrolment.js';
import type { IpcName } from '../../api/ipc-channels.js';
import { testConfig } from '../support/service-harness.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import type { RunningServer } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { DEVICE, newDevice, settle } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';

/**
 * "The app ends active sessions at 5:00", main's part: every answer to a session call carries the
 * session's deadlines, main keeps the held session's newest ones and hands them to the renderer with
 * each IPC result; and a wrong code's tries left reach the renderer.
 */
const IDLE = 300;
const clock = new TestClock();
let server: RunningServer;
beforeAll(async () => {
  server = await startDemoServer({ sessionIdleSeconds: IDLE, sessionTtlSeconds: 900 }, clock);
});
afterAll(async () => {
  await server.close();
});

const fromApp = (name: IpcName, payload: unknown) => ({ senderUrl: `${DEMO_ENROLMENT_ORIGIN}/`, isMainFrame: true, name, payload });
const later = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

describe('The app ends active sessions at 5:00: main hands the real deadlines on', () => {
  it('the API client hears the deadlines of a session call, refusals included', async () => {
    const { code } = await newEnrolee(server);
    const { api } = newDevice(server.url, { clock });
    const { token, session } = await api.call('openSession', { body: { code, device: DEVICE } });
    const heard: SessionDeadlines[] = [];
    clock.advance(60);
    await api.call('getSession', { token, deadlines: (d) => heard.push(d) });
    const response = {
      id: 'x',
      rawId: 'x',
      type: 'public-key',
      response: { clientDataJSON: 'x', attestationObject: 'x' },
      clientExtensionResults: {},
    } as const;
    const refused = await settle(
      api.call('verifyRegistration', { token, deadlines: (d) => heard.push(d), body: { factor: 'passkey', response } }),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'challenge_missing' } });
    expect(heard.map((d) => d.idleEndsAt)).toEqual([later(session.serverTime, 60 + IDLE), later(session.serverTime, 60 + IDLE)]);
    expect(heard.every((d) => d.lifetimeEndsAt === session.lifetimeEndsAt)).toBe(true);
  });

  it('every IPC result carries the held session’s deadlines as the call left them, and none once it ended', async () => {
    const { code } = await newEnrolee(server);
    const { controller } = newDevice(server.url, { clock });
    const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN, () => controller.sessionDeadlines());
    const opened = await dispatch(fromApp('startSession', { code }));
    if (!opened.ok) throw new Error('the session did not open');
    const openedAt = (opened.value as { serverTime: string }).serverTime;
    expect(opened.deadlines?.idleEndsAt).toBe(later(openedAt, IDLE));

    clock.advance(180);
    const options = await dispatch(fromApp('registrationOptions', { factor: 'passkey' }));
    expect(options).toMatchObject({ ok: true, deadlines: { idleEndsAt: later(openedAt, 180 + IDLE) } });

    clock.advance(10);
    const refused = await dispatch(fromApp('registrationOptions', { factor: 'password' }));
    // Refused in main's gate: nothing reached the server, so the deadlines are the last answer's.
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad_payload' } });

    const ended = await dispatch(fromApp('endSession', undefined));
    expect(ended).toEqual({ ok: true, value: null });
  });

  it('a wrong code’s tries left reach the renderer with the refusal', async () => {
    const { code } = await newEnrolee(server);
    const { controller } = newDevice(server.url, { clock });
    const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN, () => controller.sessionDeadlines());
    const wrong = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
    const refused = await dispatch(fromApp('startSession', { code: wrong }));
    expect(refused).toEqual({
      ok: false,
      error: { code: 'code_invalid', message: expect.any(String) as unknown, tries: { beforeWait: testConfig().throttleFreeFailures - 1 } },
    });
  });
});
