import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssueCodeResponse, UserView } from '../../api/admin.js';
import {
  CompleteResponse,
  CreateSessionResponse,
  RegistrationOptionsResponse,
  RegistrationResponse,
  SessionView,
} from '../../api/enrolment.js';
import { ApiError } from '../../api/errors.js';
import { startServer, type RunningServer } from '../../server/start.js';
import { DpopKey } from '../support/dpop-key.js';
import { TEST_DEVICE, TEST_ORIGIN, TestClock, testConfig } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * The verification API over real HTTP: startServer on an in-memory database, plain
 * fetch, and a device key signing a DPoP proof for every session call.
 */
const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';
const clock = new TestClock();
let server: RunningServer;
let device: DpopKey;

beforeAll(async () => {
  server = await startServer(testConfig({ adminToken: ADMIN_TOKEN }), { clock });
  device = await DpopKey.create(() => clock.now().getTime());
});
afterAll(async () => {
  await server.close();
});

interface Reply {
  status: number;
  body: unknown;
}

interface CallOptions {
  json?: unknown;
  raw?: string;
  /** The session token, sent as `Authorization: DPoP <token>`. */
  token?: string;
  /** The device key that signs the proof; `null` sends none. Default: the test device. */
  key?: DpopKey | null;
  headers?: Record<string, string>;
  base?: string;
}

async function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const url = `${opts.base ?? server.url}${path}`;
  const key = opts.key === undefined ? device : opts.key;
  const headers: Record<string, string> = key ? await key.headers(method, url, opts.token) : {};
  if (!key && opts.token) headers.authorization = `DPoP ${opts.token}`;
  Object.assign(headers, opts.headers);
  if (opts.json !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method, headers, body: opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json)) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const admin = (path: string, json?: unknown) =>
  call('POST', path, { json, key: null, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
const openBody = (code: string) => ({ code, device: TEST_DEVICE });

/** A refusal: the status, and a body that is exactly the documented envelope. */
function expectRefusal(reply: Reply, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  const parsed = ApiError.strict().parse(reply.body);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(0);
}

let users = 0;
async function newUserWithCode(kind: 'human' | 'service' = 'human'): Promise<{ username: string; code: string }> {
  const username = `user${++users}`;
  expect((await admin('/v1/admin/users', { username, displayName: `User ${users}`, accountKind: kind })).status).toBe(201);
  if (kind === 'service') return { username, code: '' };
  const issued = await admin('/v1/admin/enrolment-codes', { username });
  expect(issued.status).toBe(201);
  return { username, code: IssueCodeResponse.parse(issued.body).code };
}

async function newSession(): Promise<string> {
  const { code } = await newUserWithCode();
  const opened = await call('POST', '/v1/sessions', { json: openBody(code) });
  expect(opened.status).toBe(201);
  return CreateSessionResponse.parse(opened.body).token;
}

describe('enrolment over HTTP', () => {
  it('the whole flow answers with the documented statuses and shapes', async () => {
    const { username, code } = await newUserWithCode();
    const opened = await call('POST', '/v1/sessions', { json: openBody(code) });
    expect(opened.status).toBe(201);
    const { token, session } = CreateSessionResponse.parse(opened.body);
    expect(session.user.username).toBe(username);

    const current = await call('GET', '/v1/sessions/current', { token });
    expect(current.status).toBe(200);
    expect(SessionView.parse(current.body).id).toBe(session.id);

    const optionsReply = await call('POST', '/v1/sessions/current/registration-options', { token, json: { factor: 'passkey' } });
    expect(optionsReply.status).toBe(200);
    const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: TEST_ORIGIN });

    const registered = await call('POST', '/v1/sessions/current/registrations', { token, json: { factor: 'passkey', response } });
    expect(registered.status).toBe(201);
    expect(RegistrationResponse.parse(registered.body).credential).toMatchObject({ id: response.id, status: 'pending' });

    const completed = await call('POST', '/v1/sessions/current/complete', { token });
    expect(completed.status).toBe(200);
    expect(CompleteResponse.parse(completed.body).credentials).toEqual([expect.objectContaining({ id: response.id, status: 'active' })]);

    expectRefusal(await call('GET', '/v1/sessions/current', { token }), 409, 'session_completed');
    expect((await call('DELETE', '/v1/sessions/current', { token })).status).toBe(204);
  });

  it('DELETE ends a session: 204, then the token names nothing', async () => {
    const token = await newSession();
    expect((await call('DELETE', '/v1/sessions/current', { token })).status).toBe(204);
    expectRefusal(await call('GET', '/v1/sessions/current', { token }), 401, 'session_invalid');
  });
});

describe('refusals: one envelope, the right status', () => {
  it('malformed requests are 400 invalid_request (schema, JSON, factor) and 415/413 keep the envelope', async () => {
    expectRefusal(await call('POST', '/v1/sessions', { json: {} }), 400, 'invalid_request');
    expectRefusal(await call('POST', '/v1/sessions', { raw: '{"code":' }), 400, 'invalid_request');
    expectRefusal(await call('POST', '/v1/sessions', { raw: 'code', headers: { 'content-type': 'text/plain' } }), 400, 'invalid_request');
    expectRefusal(
      await call('POST', '/v1/sessions', { raw: '<code/>', headers: { 'content-type': 'application/xml' } }),
      415,
      'invalid_request',
    );
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody('x'.repeat(70_000)) }), 413, 'invalid_request');
    expectRefusal(await call('POST', '/v1/sessions', { json: { code: 'ABCD' } }), 400, 'invalid_request'); // no device signals
    const token = await newSession();
    expectRefusal(
      await call('POST', '/v1/sessions/current/registration-options', { token, json: { factor: 'password' } }),
      400,
      'invalid_request',
    );
  });

  it('codes: unknown 400, used 410, expired 410, locked 423', async () => {
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody('ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345') }), 400, 'code_invalid');

    const used = await newUserWithCode();
    expect((await call('POST', '/v1/sessions', { json: openBody(used.code) })).status).toBe(201);
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody(used.code) }), 410, 'code_used');

    const locked = await newUserWithCode();
    const wrong = `${locked.code.slice(0, -1)}${locked.code.endsWith('0') ? '1' : '0'}`;
    for (let i = 0; i < testConfig().codeMaxAttempts; i++) {
      expectRefusal(await call('POST', '/v1/sessions', { json: openBody(wrong) }), 400, 'code_invalid');
    }
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody(locked.code) }), 423, 'code_locked');

    const expired = await newUserWithCode();
    clock.advance(testConfig().codeTtlSeconds);
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody(expired.code) }), 410, 'code_expired');
  });

  it('sessions: no token or an unknown one is 401 session_invalid, an expired one 401 session_expired', async () => {
    expectRefusal(await call('GET', '/v1/sessions/current'), 401, 'session_invalid');
    expectRefusal(await call('GET', '/v1/sessions/current', { token: 'A'.repeat(43) }), 401, 'session_invalid');
    expectRefusal(await call('GET', '/v1/sessions/current', { headers: { authorization: 'Basic abc' } }), 401, 'session_invalid');
    const token = await newSession();
    clock.advance(testConfig().sessionTtlSeconds);
    expectRefusal(await call('GET', '/v1/sessions/current', { token }), 401, 'session_expired');
  });

  it('ceremony order: 409 challenge_missing and 409 nothing_registered; a failed check is 400 verification_failed', async () => {
    const token = await newSession();
    expectRefusal(await call('POST', '/v1/sessions/current/complete', { token }), 409, 'nothing_registered');
    const optionsReply = await call('POST', '/v1/sessions/current/registration-options', { token, json: { factor: 'passkey' } });
    const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
    const response = new SoftAuthenticator().create(options, { origin: 'https://evil.example' });
    const refused = await call('POST', '/v1/sessions/current/registrations', { token, json: { factor: 'passkey', response } });
    expectRefusal(refused, 400, 'verification_failed');
    expect(ApiError.parse(refused.body).error.message).toBe('origin_mismatch');
    expectRefusal(
      await call('POST', '/v1/sessions/current/registrations', { token, json: { factor: 'passkey', response } }),
      409,
      'challenge_missing',
    );
  });

  it('a service account is 403 account_not_eligible', async () => {
    const { username } = await newUserWithCode('service');
    expectRefusal(await admin('/v1/admin/enrolment-codes', { username }), 403, 'account_not_eligible');
  });

  it('an unknown route is 404 not_found', async () => {
    expectRefusal(await call('GET', '/v1/nothing-here'), 404, 'not_found');
  });
});

describe('DPoP binding (RFC 9449)', () => {
  const raw = (proof: string, token?: string): CallOptions => ({
    key: null,
    headers: { dpop: proof, ...(token ? { authorization: `DPoP ${token}` } : {}) },
  });

  it('opening a session needs a proof; without one it is 401 dpop_invalid and the code is not spent', async () => {
    const { code } = await newUserWithCode();
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody(code), key: null }), 401, 'dpop_invalid');
    expect((await call('POST', '/v1/sessions', { json: openBody(code) })).status).toBe(201);
  });

  it('a proof is good once, for its own method and URL, and only while fresh', async () => {
    const token = await newSession();
    const url = `${server.url}/v1/sessions/current`;
    const proof = await device.proof('GET', url, { accessToken: token });
    expect((await call('GET', '/v1/sessions/current', raw(proof, token))).status).toBe(200);
    expectRefusal(await call('GET', '/v1/sessions/current', raw(proof, token)), 401, 'dpop_invalid');
    const elsewhere = await device.proof('GET', `${server.url}/v1/other`, { accessToken: token });
    expectRefusal(await call('GET', '/v1/sessions/current', raw(elsewhere, token)), 401, 'dpop_invalid');
    const otherMethod = await device.proof('DELETE', url, { accessToken: token });
    expectRefusal(await call('GET', '/v1/sessions/current', raw(otherMethod, token)), 401, 'dpop_invalid');
    const stale = await device.proof('GET', url, {
      accessToken: token,
      iat: Math.floor(clock.now().getTime() / 1000) - testConfig().dpopMaxAgeSeconds - 1,
    });
    expectRefusal(await call('GET', '/v1/sessions/current', raw(stale, token)), 401, 'dpop_invalid');
    const unbound = await device.proof('GET', url);
    expectRefusal(await call('GET', '/v1/sessions/current', raw(unbound, token)), 401, 'dpop_invalid');
  });

  it('a copied session token is useless: with another key it is 401 dpop_invalid, as a bearer 401 session_invalid', async () => {
    const token = await newSession();
    const thief = await DpopKey.create(() => clock.now().getTime());
    expectRefusal(await call('GET', '/v1/sessions/current', { token, key: thief }), 401, 'dpop_invalid');
    expectRefusal(
      await call('GET', '/v1/sessions/current', { key: null, headers: { authorization: `Bearer ${token}` } }),
      401,
      'session_invalid',
    );
    expect((await call('GET', '/v1/sessions/current', { token })).status).toBe(200);
  });

  it('a revoked device is 403 device_revoked, for its live session and for any new code', async () => {
    const laptop = await DpopKey.create(() => clock.now().getTime());
    const first = await newUserWithCode();
    const opened = await call('POST', '/v1/sessions', { json: openBody(first.code), key: laptop });
    const { token } = CreateSessionResponse.parse(opened.body);
    const record = (await server.service.devices.list()).find((d) => d.jkt === laptop.jkt);
    if (!record) throw new Error('device not recorded');
    expect((await admin(`/v1/admin/devices/${record.id}/revoke`)).status).toBe(204);
    expectRefusal(await call('GET', '/v1/sessions/current', { token, key: laptop }), 403, 'device_revoked');
    const second = await newUserWithCode();
    expectRefusal(await call('POST', '/v1/sessions', { json: openBody(second.code), key: laptop }), 403, 'device_revoked');
    expectRefusal(await admin(`/v1/admin/devices/${record.id}/revoke`), 404, 'not_found');
  });
});

describe('admin API', () => {
  it('needs the admin token as a bearer: none, a wrong one, a session token or another scheme are 401 unauthorized', async () => {
    const body = { username: 'intruder', displayName: 'Intruder' };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expectRefusal(await call('POST', '/v1/admin/users', { json: body, key: null }), 401, 'unauthorized');
    expectRefusal(
      await call('POST', '/v1/admin/users', { json: body, key: null, headers: bearer(`${ADMIN_TOKEN}x`) }),
      401,
      'unauthorized',
    );
    expectRefusal(
      await call('POST', '/v1/admin/users', { json: body, key: null, headers: bearer(await newSession()) }),
      401,
      'unauthorized',
    );
    expectRefusal(await call('POST', '/v1/admin/users', { json: body, token: ADMIN_TOKEN }), 401, 'unauthorized');
    expectRefusal(
      await call('POST', '/v1/admin/users', { json: body, key: null, headers: { authorization: ADMIN_TOKEN } }),
      401,
      'unauthorized',
    );
    expectRefusal(await call('POST', '/v1/admin/enrolment-codes', { json: { username: 'user1' }, key: null }), 401, 'unauthorized');
    expectRefusal(await call('POST', '/v1/admin/policy/reload', { key: null }), 401, 'unauthorized');
    expectRefusal(await call('POST', '/v1/admin/devices/x/revoke', { key: null }), 401, 'unauthorized');
  });

  it('with it: 201 and the documented shapes; a duplicate user is 400, an unknown one 404', async () => {
    const created = await admin('/v1/admin/users', { username: 'grace', displayName: 'Grace Hopper' });
    expect(created.status).toBe(201);
    expect(UserView.parse(created.body)).toMatchObject({ username: 'grace', role: 'employee', accountKind: 'human' });
    expectRefusal(await admin('/v1/admin/users', { username: 'grace', displayName: 'Again' }), 400, 'invalid_request');
    const issued = await admin('/v1/admin/enrolment-codes', { username: 'grace', ttlSeconds: 60 });
    expect(issued.status).toBe(201);
    expect(Date.parse(IssueCodeResponse.parse(issued.body).expiresAt) - clock.now().getTime()).toBe(60_000);
    expectRefusal(await admin('/v1/admin/enrolment-codes', { username: 'nobody' }), 404, 'not_found');
  });

  it('does not exist when no admin token is configured', async () => {
    const bare = await startServer(testConfig(), { clock });
    try {
      const reply = await call('POST', '/v1/admin/users', {
        base: bare.url,
        json: { username: 'x', displayName: 'X' },
        key: null,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expectRefusal(reply, 404, 'not_found');
    } finally {
      await bare.close();
    }
  });
});

describe('OpenAPI document', () => {
  /** Routes as the modules of server/http/ register them; health and the document itself are not API operations. */
  const META_ROUTES = new Set(['GET /healthz', 'GET /v1/openapi.json']);
  const httpDir = new URL('../../server/http/', import.meta.url);
  const source = readdirSync(httpDir)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => readFileSync(new URL(name, httpDir), 'utf8'))
    .join('\n');
  const routes = [...source.matchAll(/app\.(get|post|put|patch|delete)(?:<[^>]*>)?\(\s*'([^']+)'/g)].map(([, m = '', p = '']) => ({
    method: m,
    path: p,
  }));
  /** Fastify writes a path parameter `:id`, OpenAPI `{id}`. */
  const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

  it('is served as OpenAPI 3.1 and lists every route of the app, and nothing else', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    for (const r of routes)
      expect(server.app.hasRoute({ method: r.method.toUpperCase() as 'GET', url: r.path }), `${r.method} ${r.path}`).toBe(true);

    const reply = await call('GET', '/v1/openapi.json');
    expect(reply.status).toBe(200);
    const doc = reply.body as { openapi: string; paths: Record<string, Record<string, { security: Record<string, unknown>[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = routes.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`).filter((r) => !META_ROUTES.has(r));
    expect(documented.sort()).toEqual(served.sort());
  });

  it('marks admin routes with the admin token, session routes with the session token, and the calls that open sessions with a device proof', async () => {
    const doc = (await call('GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { security: Record<string, unknown>[] }>>;
    };
    const proofOnly = new Set([
      'post /v1/sessions',
      'post /v1/authentication/options',
      'post /v1/authentication/sessions',
      'post /v1/recovery/requests',
      'get /v1/recovery/requests/{id}',
      'post /v1/recovery/sessions',
    ]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const scheme = op.security.flatMap((s) => Object.keys(s));
        if (path.startsWith('/v1/admin/')) expect(scheme, `${method} ${path}`).toEqual(['adminToken']);
        else if (proofOnly.has(`${method} ${path}`)) expect(scheme, `${method} ${path}`).toEqual(['deviceProof']);
        else expect(scheme, `${method} ${path}`).toEqual(['sessionToken']);
      }
    }
  });
});
