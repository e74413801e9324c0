import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_DEADLINES_HEADER, SessionDeadlines } from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import type { OperationName } from '../../api/http.js';
import type { RunningServer } from '../../server/start.js';
import { DpopKey } from '../support/dpop-key.js';
import { sendKeepingHeaders, type SendOptions } from '../support/http-client.js';
import { startTestServer, TEST_DEVICE, TestClock } from '../support/service-harness.js';

/**
 * "The app ends active sessions at 5:00": the server tells the app both ends of the session with
 * every answer to a session call, as that call left them, so the app can count to the real one.
 */
const clock = new TestClock();
let server: RunningServer;
let device: DpopKey;
const IDLE = 300;
const LIFE = 900;

beforeAll(async () => {
  server = await startTestServer({ sessionIdleSeconds: IDLE, sessionTtlSeconds: LIFE }, { clock });
  device = await DpopKey.create(() => clock.now().getTime());
  await server.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
});
afterAll(async () => {
  await server.close();
});

const call = (name: OperationName, opts: SendOptions = {}) => sendKeepingHeaders(server.url, name, { key: device, ...opts });

function deadlinesIn(headers: Headers): SessionDeadlines | null {
  const header = headers.get(SESSION_DEADLINES_HEADER);
  return header ? SessionDeadlines.parse(JSON.parse(header)) : null;
}

const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000).toISOString();

async function open(): Promise<{ token: string; openedAt: Date }> {
  const code = (await server.services.accounts.issueCode('ada.new', 'test')).code;
  const openedAt = clock.now();
  const reply = await call('openSession', { body: { code, device: TEST_DEVICE } });
  expect(reply.status).toBe(201);
  return { token: (reply.body as { token: string }).token, openedAt };
}

describe('The app ends active sessions at 5:00: the server tells the real deadlines', () => {
  it('the opened session says both ends: the lifetime, and the idle end, each on the server clock', async () => {
    const code = (await server.services.accounts.issueCode('ada.new', 'test')).code;
    const now = clock.now();
    const reply = await call('openSession', { body: { code, device: TEST_DEVICE } });
    expect(reply.body).toMatchObject({
      session: { lifetimeEndsAt: at(now, LIFE), idleEndsAt: at(now, IDLE), expiresAt: at(now, IDLE), serverTime: now.toISOString() },
    });
  });

  it('every session call pushes the idle end back and says so in its answer; the lifetime never moves', async () => {
    const { token, openedAt } = await open();
    clock.advance(180);
    const options = await call('registrationOptions', { token, body: { factor: 'passkey' } });
    expect(options.status).toBe(200);
    expect(deadlinesIn(options.headers)).toEqual({
      lifetimeEndsAt: at(openedAt, LIFE),
      idleEndsAt: at(openedAt, 180 + IDLE),
      serverTime: at(openedAt, 180),
    });
    // At 5:10 the session the app was told about is still live, as the answer said.
    clock.advance(130);
    const session = await call('getSession', { token });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ idleEndsAt: at(openedAt, 310 + IDLE), lifetimeEndsAt: at(openedAt, LIFE) });
    expect(deadlinesIn(session.headers)?.idleEndsAt).toBe(at(openedAt, 310 + IDLE));
  });

  it('near the end of its life, the lifetime is the nearer end and calls no longer move it', async () => {
    const { token, openedAt } = await open();
    for (const step of [240, 240, 240]) {
      clock.advance(step);
      expect((await call('getSession', { token })).status).toBe(200);
    }
    const late = await call('getSession', { token });
    expect(late.body).toMatchObject({ expiresAt: at(openedAt, LIFE), lifetimeEndsAt: at(openedAt, LIFE) });
    clock.advance(LIFE - 720);
    const over = await call('getSession', { token });
    expect(ApiError.parse(over.body).error.code).toBe('session_expired');
    expect(deadlinesIn(over.headers)).toBeNull();
  });

  it('a refusal in a live session carries the deadlines too: the call still pushed the idle end back', async () => {
    const { token, openedAt } = await open();
    clock.advance(60);
    const refused = await call('verifyRegistration', {
      token,
      body: {
        factor: 'passkey',
        response: {
          id: 'x',
          rawId: 'x',
          type: 'public-key',
          response: { clientDataJSON: 'x', attestationObject: 'x' },
          clientExtensionResults: {},
        },
      },
    });
    expect(ApiError.parse(refused.body).error.code).toBe('challenge_missing');
    expect(deadlinesIn(refused.headers)?.idleEndsAt).toBe(at(openedAt, 60 + IDLE));
  });

  it('calls that are not session calls, and another device with the token, learn no deadlines', async () => {
    const { token } = await open();
    const health = await call('health', { key: null });
    expect(deadlinesIn(health.headers)).toBeNull();
    const thief = await DpopKey.create(() => clock.now().getTime());
    const stolen = await call('getSession', { token, key: thief });
    expect(ApiError.parse(stolen.body).error.code).toBe('dpop_invalid');
    expect(deadlinesIn(stolen.headers)).toBeNull();
  });

  it('an idle session ends at the idle end the last answer gave, not before', async () => {
    const { token } = await open();
    clock.advance(200);
    expect((await call('getSession', { token })).status).toBe(200);
    clock.advance(IDLE - 1);
    expect((await call('getSession', { token })).status).toBe(200);
    clock.advance(IDLE);
    const over = await call('getSession', { token });
    expect(ApiError.parse(over.body).error.code).toBe('session_expired');
  });
});
