import { httpOperations } from '../../api/http.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import type { SessionView } from '../../api/enrolment.js';
import { ApiClientError } from '../../electron/main/api-client.js';
import { codeFromLink } from '../../electron/main/deep-link.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import type { RunningServer } from '../../server/start.js';
import { TestClock } from '../support/test-clock.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { DEVICE, newDevice, settle } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';
import { expectRefused, windowOf } from './support/window.js';

/**
 * Main's side of an enrolment, against the real verification server: the
 * controller's handlers behind the IPC gate, as the renderer reaches them.
 * What the renderer gets back must never hold the session token.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const clock = new TestClock('running');
let server: RunningServer;

beforeAll(async () => {
  server = await startDemoServer({}, clock);
});
afterAll(async () => {
  await server.close();
});

async function credentialsOf(username: string) {
  const user = await server.services.accounts.findUser(username);
  return server.db.selectFrom('credentials').selectAll().where('user_id', '=', user.id).execute();
}

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const outcome = await settle(promise);
  if (outcome.ok) return 'resolved';
  return outcome.error instanceof ApiClientError ? outcome.error.code : `not an ApiClientError: ${String(outcome.error)}`;
}

describe('a full enrolment through main', () => {
  it.each([
    ['passkey', 'platform'],
    ['security-key', 'cross-platform'],
  ] as const)('binds a %s; the renderer never sees the session token', async (factor, attachment) => {
    const { username, link, code } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);

    // The link from the invitation mail arrives as the app starts.
    const linked = codeFromLink(link);
    expect(linked).toBe(code);
    device.controller.offerLaunchCode(linked ?? '');
    expect(await app.value('takeLaunchCode')).toBe(code);

    const session = await app.value('startSession', { code });
    expect(session.user.username).toBe(username);
    expect(session.allowedFactors).toContain(factor);
    expect(await app.value('currentSession')).toMatchObject({ id: session.id, user: { username } });

    const options = await app.value('registrationOptions', { factor });
    expect(options.rp.id).toBe(DEMO_RP_ID);
    const response = new SoftAuthenticator({ attachment }).create(options, { origin: ORIGIN });
    const credential = await app.value('verifyRegistration', { factor, response });
    expect(credential).toMatchObject({ id: response.id, factor, status: 'pending' });
    expect((await credentialsOf(username)).map((c) => c.status)).toEqual(['pending']);

    const done = await app.value('completeSession');
    expect(done.user.username).toBe(username);
    expect(done.credentials).toEqual([expect.objectContaining({ id: response.id, factor, status: 'active' })]);
    expect((await credentialsOf(username)).map((c) => c.status)).toEqual(['active']);

    // The session is over for main too.
    expect(await app.value('currentSession')).toBeNull();
    expectRefused(await app.call('registrationOptions', { factor }), 'no_session');
    expectRefused(await app.call('completeSession'), 'no_session');

    // Token scan: not in any answer, raw or encoded.
    expect(device.tokens).toHaveLength(1);
    const token = device.tokens[0] ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    const everything = JSON.stringify(app.answers);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(Buffer.from(token).toString('base64'));
    expect(everything).not.toContain(token.slice(0, 16));
  });

  it('records this device with the signals main sends, bound to its key', async () => {
    const { code } = await newEnrolee(server);
    const before = (await server.services.devices.list()).length;
    const device = newDevice(server.url, { clock });
    await windowOf(device).value('startSession', { code });
    const devices = await server.services.devices.list();
    expect(devices).toHaveLength(before + 1);
    expect(devices.at(-1)).toMatchObject({ name: DEVICE.name, platform: DEVICE.platform, kind: 'personal', revoked_at: null });
  });

  it('a copied session token is useless from another device', async () => {
    const { code } = await newEnrolee(server);
    const victim = newDevice(server.url, { clock });
    await windowOf(victim).value('startSession', { code });
    const stolen = victim.tokens[0] ?? '';
    const thief = newDevice(server.url, { clock });
    expect(await refusalCode(thief.api.call('getSession', { token: stolen }))).toBe('dpop_invalid');
    expect(await refusalCode(thief.api.call('registrationOptions', { token: stolen, body: { factor: 'passkey' } }))).toBe('dpop_invalid');
    // The victim carries on.
    expect(await windowOf(victim).value('currentSession')).not.toBeNull();
  });
});

describe('ending and losing a session', () => {
  it('endSession discards the factor registered so far, on the server', async () => {
    const { username, code } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    await app.value('startSession', { code });
    const options = await app.value('registrationOptions', { factor: 'passkey' });
    await app.value('verifyRegistration', { factor: 'passkey', response: new SoftAuthenticator().create(options, { origin: ORIGIN }) });
    expect(await credentialsOf(username)).toHaveLength(1);

    expect(await app.call('endSession')).toEqual({ ok: true, value: null });
    expect(await credentialsOf(username)).toEqual([]);
    expect(await app.value('currentSession')).toBeNull();
    expectRefused(await app.call('completeSession'), 'no_session');
    // The server no longer honours the token either.
    expect(await refusalCode(device.api.call('getSession', { token: device.tokens[0] ?? '' }))).toBe('session_invalid');
    expect(JSON.stringify(app.answers)).not.toContain(device.tokens[0]);
  });

  it('endSession without a session is harmless', async () => {
    const app = windowOf(newDevice(server.url, { clock }));
    expect(await app.call('endSession')).toEqual({ ok: true, value: null });
  });

  it('endSession forgets the session even when the server cannot be told', async () => {
    const { code } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const unreachable = newDevice(await closedPortUrl());
    // Every call reaches the server except the one that would tell it the session ended.
    const controller = new EnrolmentController(
      { call: (name, input) => (name === 'endSession' ? unreachable.api.call(name, input) : device.api.call(name, input)) },
      DEVICE,
    );
    const app = windowOf({ ...device, controller });
    await app.value('startSession', { code });
    expect(await app.call('endSession')).toEqual({ ok: true, value: null });
    expect(await app.value('currentSession')).toBeNull();
  });

  it('starting over with a new code ends the old session and discards its factor', async () => {
    const { username, code } = await newEnrolee(server);
    const second = (await server.services.accounts.issueCode(username, 'test-helpdesk')).code;
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    await app.value('startSession', { code });
    const options = await app.value('registrationOptions', { factor: 'passkey' });
    await app.value('verifyRegistration', { factor: 'passkey', response: new SoftAuthenticator().create(options, { origin: ORIGIN }) });

    await app.value('startSession', { code: second });
    expect(await credentialsOf(username)).toEqual([]);
    expect(await refusalCode(device.api.call('getSession', { token: device.tokens[0] ?? '' }))).toBe('session_invalid');
    expectRefused(await app.call('completeSession'), 'nothing_registered');
  });

  it('a session that idles out is forgotten: the next call says so, the one after finds none', async () => {
    const { code } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    await app.value('startSession', { code });
    clock.advance(3600);
    expectRefused(await app.call('registrationOptions', { factor: 'passkey' }), 'session_expired');
    expect(await app.value('currentSession')).toBeNull();
    expectRefused(await app.call('registrationOptions', { factor: 'passkey' }), 'no_session');
  });

  it('a completed session cannot be completed again or extended', async () => {
    const { code } = await newEnrolee(server);
    const device = newDevice(server.url, { clock });
    const app = windowOf(device);
    await app.value('startSession', { code });
    const options = await app.value('registrationOptions', { factor: 'passkey' });
    await app.value('verifyRegistration', { factor: 'passkey', response: new SoftAuthenticator().create(options, { origin: ORIGIN }) });
    await app.value('completeSession');
    expect(await refusalCode(device.api.call('registrationOptions', { token: device.tokens[0] ?? '', body: { factor: 'passkey' } }))).toBe(
      'session_completed',
    );
  });

  it('a registration made for another origin is refused and leaves nothing behind', async () => {
    const { username, code } = await newEnrolee(server);
    const app = windowOf(newDevice(server.url, { clock }));
    await app.value('startSession', { code });
    const options = await app.value('registrationOptions', { factor: 'passkey' });
    const phished = new SoftAuthenticator().create(options, { origin: 'https://enrol.firstkey.test.evil.example' });
    expectRefused(await app.call('verifyRegistration', { factor: 'passkey', response: phished }), 'verification_failed');
    expect(await credentialsOf(username)).toEqual([]);
    expectRefused(await app.call('completeSession'), 'nothing_registered');
  });
});

describe('launch codes from links', () => {
  it('takeLaunchCode hands an offered code over once, then null', async () => {
    const app = windowOf(newDevice(server.url, { clock }));
    expect(await app.value('takeLaunchCode')).toBeNull();
    const device = newDevice(server.url, { clock });
    const linked = windowOf(device);
    device.controller.offerLaunchCode('K7QD-4M2X-9ZPA-R3TB');
    expect(await linked.value('takeLaunchCode')).toBe('K7QD-4M2X-9ZPA-R3TB');
    expect(await linked.value('takeLaunchCode')).toBeNull();
  });

  it('the latest link wins when two arrive before the window asks', async () => {
    const device = newDevice(server.url, { clock });
    device.controller.offerLaunchCode('AAAA-BBBB-CCCC');
    device.controller.offerLaunchCode('DDDD-EEEE-FFFF');
    expect(await windowOf(device).value('takeLaunchCode')).toBe('DDDD-EEEE-FFFF');
  });
});

// ---- servers that are not ours: unreachable, silent, or outside the contract ----

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const stub = createServer((request, response) => {
    hits.push(`${request.method ?? ''} ${request.url ?? ''}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const { port } = stub.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server: stub, hits };
}

async function shut(stub: Server): Promise<void> {
  stub.closeAllConnections();
  await new Promise<void>((resolve) => {
    stub.close(() => {
      resolve();
    });
  });
}

/** A URL on which nothing listens: bind a port, then free it. */
async function closedPortUrl(): Promise<string> {
  const { url, server: stub } = await listen(() => undefined);
  await shut(stub);
  return url;
}

function answer(status: number, body: string, type = 'application/json') {
  return (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  };
}

/** A session view exactly as the real server sends it, for the stand-in servers to replay. */
let VALID_SESSION: SessionView;
beforeAll(async () => {
  const { code } = await newEnrolee(server);
  VALID_SESSION = await newDevice(server.url, { clock }).controller.handlers.startSession({ code });
});
const FAKE_TOKEN = 'tok_'.padEnd(48, 'Z');

describe('when the server is not there or not right', () => {
  it("an unreachable server is 'network', and no session is held", async () => {
    const app = windowOf(newDevice(await closedPortUrl()));
    expectRefused(await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' }), 'network');
    expect(await app.value('currentSession')).toBeNull();
  });

  it("a server that never answers is 'network' after the client's timeout", async () => {
    const stub = await listen(() => undefined);
    try {
      const app = windowOf(newDevice(stub.url, { timeoutMs: 300 }));
      expectRefused(await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' }), 'network');
    } finally {
      await shut(stub.server);
    }
  });

  it.each([
    ['malformed JSON', answer(201, '{"token": "abc", "session": ')],
    ['HTML from a proxy', answer(201, '<html><body>Welcome to the hotel wifi</body></html>', 'text/html')],
    ['an empty body', answer(201, '')],
    ['a token too short to be one', answer(201, JSON.stringify({ token: 'short', session: VALID_SESSION }))],
    ['a session view missing fields', answer(201, JSON.stringify({ token: FAKE_TOKEN, session: { id: 's1' } }))],
    ['an unknown purpose', answer(201, JSON.stringify({ token: FAKE_TOKEN, session: { ...VALID_SESSION, purpose: 'admin' } }))],
    ['a 502 page', answer(502, '<html>Bad gateway</html>', 'text/html')],
    ['an error with a code outside the contract', answer(400, JSON.stringify({ error: { code: 'teapot', message: 'short and stout' } }))],
    ['a JSON array', answer(201, '[]')],
  ])("a server answering with %s is 'bad_response', and no session is held", async (_label, handler) => {
    const stub = await listen(handler);
    try {
      const app = windowOf(newDevice(stub.url));
      const result = await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' });
      expectRefused(result, 'bad_response');
      expect(JSON.stringify(result)).not.toContain('hotel');
      expect(await app.value('currentSession')).toBeNull();
      expect(stub.hits).toEqual([`${httpOperations.openSession.method} ${httpOperations.openSession.path}`]);
    } finally {
      await shut(stub.server);
    }
  });

  it('a server that leaks the token inside the session view does not get it to the renderer', async () => {
    const leaky = { token: FAKE_TOKEN, session: { ...VALID_SESSION, token: FAKE_TOKEN, debug: { authorization: `DPoP ${FAKE_TOKEN}` } } };
    const stub = await listen(answer(201, JSON.stringify(leaky)));
    try {
      const app = windowOf(newDevice(stub.url));
      const result = await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' });
      expect(result).toEqual({ ok: true, value: VALID_SESSION });
      expect(JSON.stringify(app.answers)).not.toContain(FAKE_TOKEN);
    } finally {
      await shut(stub.server);
    }
  });

  it("a locked or missing keychain is 'keychain_unavailable', and nothing unsigned is ever sent", async () => {
    const stub = await listen(answer(201, JSON.stringify({ token: FAKE_TOKEN, session: VALID_SESSION })));
    try {
      const device = newDevice(stub.url);
      device.store.broken = true;
      const app = windowOf(device);
      const result = await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' });
      expectRefused(result, 'keychain_unavailable');
      expect(JSON.stringify(result)).not.toContain('freedesktop');
      expect(stub.hits).toEqual([]);
      // Once the keychain is back, the same window carries on: the failure is not remembered.
      device.store.broken = false;
      expect(await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' })).toMatchObject({ ok: true });
      expect(stub.hits).toEqual([`${httpOperations.openSession.method} ${httpOperations.openSession.path}`]);
    } finally {
      await shut(stub.server);
    }
  });

  it("a server that sends headers and then drops the connection mid-body is 'network'", async () => {
    const stub = await listen((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'content-length': '500' });
      response.write('{"token":');
      setTimeout(() => response.destroy(), 20);
    });
    try {
      const app = windowOf(newDevice(stub.url));
      expectRefused(await app.call('startSession', { code: 'K7QD-4M2X-9ZPA-R3TB' }), 'network');
    } finally {
      await shut(stub.server);
    }
  });
});
