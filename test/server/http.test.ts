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
import { httpOperations, operationNames, type OperationName } from '../../api/http.js';
import type { RunningServer } from '../../server/start.js';
import { expectAnswer } from '../support/api-harness.js';
import { DpopKey } from '../support/dpop-key.js';
import { send, type Reply, type SendOptions } from '../support/http-client.js';
import { startTestServer, TEST_DEVICE, TEST_ORIGIN, TestClock, testConfig } from '../support/service-harness.js';
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
  server = await startTestServer({ adminToken: ADMIN_TOKEN }, { clock });
  device = await DpopKey.create(() => clock.now().getTime());
});
afterAll(async () => {
  await server.close();
});

type CallOptions = SendOptions & {
  /** Another server than the shared one. */
  base?: string;
};

/** Signed by the test device unless `key` says otherwise (`null`: no proof). */
function call(name: OperationName, opts: CallOptions = {}): Promise<Reply> {
  const { base, ...rest } = opts;
  return send(base ?? server.url, name, { ...rest, key: opts.key === undefined ? device : opts.key });
}

const admin = (name: OperationName, body?: unknown, params?: Record<string, string>) =>
  call(name, { ...(body === undefined ? {} : { body }), ...(params ? { params } : {}), key: null, adminToken: ADMIN_TOKEN });
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
  expect((await admin('createUser', { username, displayName: `User ${users}`, accountKind: kind })).status).toBe(201);
  if (kind === 'service') return { username, code: '' };
  const issued = await admin('issueCode', { username });
  expect(issued.status).toBe(201);
  return { username, code: IssueCodeResponse.parse(issued.body).code };
}

async function newSession(): Promise<string> {
  const { code } = await newUserWithCode();
  const opened = await call('openSession', { body: openBody(code) });
  expect(opened.status).toBe(201);
  return CreateSessionResponse.parse(opened.body).token;
}

describe('enrolment over HTTP', () => {
  it('the whole flow answers with the documented statuses and shapes', async () => {
    const { username, code } = await newUserWithCode();
    const opened = await call('openSession', { body: openBody(code) });
    expect(opened.status).toBe(201);
    const { token, session } = CreateSessionResponse.parse(opened.body);
    expect(session.user.username).toBe(username);

    const current = await call('getSession', { token });
    expect(current.status).toBe(200);
    expect(SessionView.parse(current.body).id).toBe(session.id);

    const optionsReply = await call('registrationOptions', { token, body: { factor: 'passkey' } });
    expect(optionsReply.status).toBe(200);
    const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: TEST_ORIGIN });

    const registered = await call('verifyRegistration', { token, body: { factor: 'passkey', response } });
    expect(registered.status).toBe(201);
    expect(RegistrationResponse.parse(registered.body).credential).toMatchObject({ id: response.id, status: 'pending' });

    const completed = await call('complete', { token });
    expect(completed.status).toBe(200);
    expect(CompleteResponse.parse(completed.body).credentials).toEqual([expect.objectContaining({ id: response.id, status: 'active' })]);

    expectRefusal(await call('getSession', { token }), 409, 'session_completed');
    expect((await call('endSession', { token })).status).toBe(204);
  });

  it('DELETE ends a session: 204, then the token names nothing', async () => {
    const token = await newSession();
    expect((await call('endSession', { token })).status).toBe(204);
    expectRefusal(await call('getSession', { token }), 401, 'session_invalid');
  });
});

describe('refusals: one envelope, the right status', () => {
  it('malformed requests are 400 invalid_request (schema, JSON, factor) and 415/413 keep the envelope', async () => {
    expectRefusal(await call('openSession', { body: {} }), 400, 'invalid_request');
    expectRefusal(await call('openSession', { raw: '{"code":' }), 400, 'invalid_request');
    expectRefusal(await call('openSession', { raw: 'code', headers: { 'content-type': 'text/plain' } }), 400, 'invalid_request');
    expectRefusal(await call('openSession', { raw: '<code/>', headers: { 'content-type': 'application/xml' } }), 415, 'invalid_request');
    expectRefusal(await call('openSession', { body: openBody('x'.repeat(70_000)) }), 413, 'invalid_request');
    expectRefusal(await call('openSession', { body: { code: 'ABCD' } }), 400, 'invalid_request'); // no device signals
    const token = await newSession();
    expectRefusal(await call('registrationOptions', { token, body: { factor: 'password' } }), 400, 'invalid_request');
  });

  it('codes: unknown 400, used 410, expired 410, locked 423', async () => {
    expectRefusal(await call('openSession', { body: openBody('ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345') }), 400, 'code_invalid');

    const used = await newUserWithCode();
    expect((await call('openSession', { body: openBody(used.code) })).status).toBe(201);
    expectRefusal(await call('openSession', { body: openBody(used.code) }), 410, 'code_used');

    const locked = await newUserWithCode();
    const wrong = `${locked.code.slice(0, -1)}${locked.code.endsWith('0') ? '1' : '0'}`;
    for (let i = 0; i < testConfig().codeMaxAttempts; i++) {
      expectRefusal(await call('openSession', { body: openBody(wrong) }), 400, 'code_invalid');
    }
    expectRefusal(await call('openSession', { body: openBody(locked.code) }), 423, 'code_locked');

    const expired = await newUserWithCode();
    clock.advance(testConfig().codeTtlSeconds);
    expectRefusal(await call('openSession', { body: openBody(expired.code) }), 410, 'code_expired');
  });

  it('sessions: no token or an unknown one is 401 session_invalid, an expired one 401 session_expired', async () => {
    expectRefusal(await call('getSession'), 401, 'session_invalid');
    expectRefusal(await call('getSession', { token: 'A'.repeat(43) }), 401, 'session_invalid');
    expectRefusal(await call('getSession', { headers: { authorization: 'Basic abc' } }), 401, 'session_invalid');
    const token = await newSession();
    clock.advance(testConfig().sessionTtlSeconds);
    expectRefusal(await call('getSession', { token }), 401, 'session_expired');
  });

  it('ceremony order: 409 challenge_missing and 409 nothing_registered; a failed check is 400 verification_failed', async () => {
    const token = await newSession();
    expectRefusal(await call('complete', { token }), 409, 'nothing_registered');
    const optionsReply = await call('registrationOptions', { token, body: { factor: 'passkey' } });
    const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
    const response = new SoftAuthenticator().create(options, { origin: 'https://evil.example' });
    const refused = await call('verifyRegistration', { token, body: { factor: 'passkey', response } });
    expectRefusal(refused, 400, 'verification_failed');
    expect(ApiError.parse(refused.body).error.message).toBe('origin_mismatch');
    expectRefusal(await call('verifyRegistration', { token, body: { factor: 'passkey', response } }), 409, 'challenge_missing');
  });

  it('a service account is 403 account_not_eligible', async () => {
    const { username } = await newUserWithCode('service');
    expectRefusal(await admin('issueCode', { username }), 403, 'account_not_eligible');
  });

  it('an unknown route is 404 not_found', async () => {
    const res = await fetch(`${server.url}/no-such-operation`);
    expectRefusal({ status: res.status, body: (await res.json()) as unknown }, 404, 'not_found');
  });
});

describe('DPoP binding (RFC 9449)', () => {
  const raw = (proof: string, token?: string): CallOptions => ({
    key: null,
    headers: { dpop: proof, ...(token ? { authorization: `DPoP ${token}` } : {}) },
  });

  it('opening a session needs a proof; without one it is 401 dpop_invalid and the code is not spent', async () => {
    const { code } = await newUserWithCode();
    expectRefusal(await call('openSession', { body: openBody(code), key: null }), 401, 'dpop_invalid');
    expect((await call('openSession', { body: openBody(code) })).status).toBe(201);
  });

  it('a proof is good once, for its own method and URL, and only while fresh', async () => {
    const token = await newSession();
    const url = `${server.url}/v1/sessions/current`;
    const proof = await device.proof('GET', url, { accessToken: token });
    expect((await call('getSession', { ...raw(proof, token) })).status).toBe(200);
    expectRefusal(await call('getSession', { ...raw(proof, token) }), 401, 'dpop_invalid');
    const elsewhere = await device.proof('GET', `${server.url}/v1/other`, { accessToken: token });
    expectRefusal(await call('getSession', { ...raw(elsewhere, token) }), 401, 'dpop_invalid');
    const otherMethod = await device.proof('DELETE', url, { accessToken: token });
    expectRefusal(await call('getSession', { ...raw(otherMethod, token) }), 401, 'dpop_invalid');
    const stale = await device.proof('GET', url, {
      accessToken: token,
      iat: Math.floor(clock.now().getTime() / 1000) - testConfig().dpopMaxAgeSeconds - 1,
    });
    expectRefusal(await call('getSession', { ...raw(stale, token) }), 401, 'dpop_invalid');
    const unbound = await device.proof('GET', url);
    expectRefusal(await call('getSession', { ...raw(unbound, token) }), 401, 'dpop_invalid');
  });

  it('a copied session token is useless: with another key it is 401 dpop_invalid, as a bearer 401 session_invalid', async () => {
    const token = await newSession();
    const thief = await DpopKey.create(() => clock.now().getTime());
    expectRefusal(await call('getSession', { token, key: thief }), 401, 'dpop_invalid');
    expectRefusal(await call('getSession', { key: null, headers: { authorization: `Bearer ${token}` } }), 401, 'session_invalid');
    expect((await call('getSession', { token })).status).toBe(200);
  });

  it('a revoked device is 403 device_revoked, for its live session and for any new code', async () => {
    const laptop = await DpopKey.create(() => clock.now().getTime());
    const first = await newUserWithCode();
    const opened = await call('openSession', { body: openBody(first.code), key: laptop });
    const { token } = CreateSessionResponse.parse(opened.body);
    const record = (await server.services.devices.list()).find((d) => d.jkt === laptop.jkt);
    if (!record) throw new Error('device not recorded');
    expect((await admin('revokeDevice', undefined, { id: record.id })).status).toBe(204);
    expectRefusal(await call('getSession', { token, key: laptop }), 403, 'device_revoked');
    const second = await newUserWithCode();
    expectRefusal(await call('openSession', { body: openBody(second.code), key: laptop }), 403, 'device_revoked');
    expectRefusal(await admin('revokeDevice', undefined, { id: record.id }), 404, 'not_found');
  });
});

describe('admin API', () => {
  it('needs the admin token as a bearer: none, a wrong one, a session token or another scheme are 401 unauthorized', async () => {
    const body = { username: 'intruder', displayName: 'Intruder' };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expectRefusal(await call('createUser', { body: body, key: null }), 401, 'unauthorized');
    expectRefusal(await call('createUser', { body: body, key: null, headers: bearer(`${ADMIN_TOKEN}x`) }), 401, 'unauthorized');
    expectRefusal(await call('createUser', { body: body, key: null, headers: bearer(await newSession()) }), 401, 'unauthorized');
    expectRefusal(await call('createUser', { body: body, token: ADMIN_TOKEN }), 401, 'unauthorized');
    expectRefusal(await call('createUser', { body: body, key: null, headers: { authorization: ADMIN_TOKEN } }), 401, 'unauthorized');
    expectRefusal(await call('issueCode', { body: { username: 'user1' }, key: null }), 401, 'unauthorized');
    expectRefusal(await call('reloadPolicy', { key: null }), 401, 'unauthorized');
    expectRefusal(await call('revokeDevice', { params: { id: 'x' }, key: null }), 401, 'unauthorized');
  });

  it('with it: 201 and the documented shapes; a duplicate user is 400, an unknown one 404', async () => {
    const created = await admin('createUser', { username: 'grace', displayName: 'Grace Hopper' });
    expect(created.status).toBe(201);
    expect(UserView.parse(created.body)).toMatchObject({ username: 'grace', role: 'employee', accountKind: 'human' });
    expectRefusal(await admin('createUser', { username: 'grace', displayName: 'Again' }), 400, 'invalid_request');
    const issued = await admin('issueCode', { username: 'grace', ttlSeconds: 60 });
    expect(issued.status).toBe(201);
    expect(Date.parse(IssueCodeResponse.parse(issued.body).expiresAt) - clock.now().getTime()).toBe(60_000);
    expectRefusal(await admin('issueCode', { username: 'nobody' }), 404, 'not_found');
  });

  it('with no bootstrap token configured, no bearer token opens it (only operator accounts can)', async () => {
    const bare = await startTestServer({}, { clock });
    try {
      const reply = await call('createUser', {
        base: bare.url,
        body: { username: 'x', displayName: 'X' },
        key: null,
        adminToken: ADMIN_TOKEN,
      });
      expectRefusal(reply, 401, 'unauthorized');
    } finally {
      await bare.close();
    }
  });
});

describe('one HTTP contract (api/http.ts)', () => {
  it('the server serves every declared operation at its method and path', () => {
    for (const name of operationNames) {
      const op = httpOperations[name];
      expect(server.app.hasRoute({ method: op.method, url: op.path.replace(/\{(\w+)\}/g, ':$1') }), name).toBe(true);
    }
  });

  it('the document is served as OpenAPI 3.1 and lists exactly the declared operations, each with its parameters', async () => {
    const doc = expectAnswer('openApiDocument', await call('openApiDocument')) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string; required: boolean }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(documented.sort()).toEqual([...operationNames].sort());
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        const spec = httpOperations[op.operationId as OperationName];
        const pathParams = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(
          (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p.required]),
          op.operationId,
        ).toEqual(pathParams.map((n) => [n, true]));
      }
    }
    const list = doc.paths[httpOperations.listRecoveryRequests.path]?.get;
    expect(list?.parameters).toEqual([expect.objectContaining({ name: 'all', in: 'query', required: false })]);
  });

  it('marks operator calls with the admin token, session calls with the session token, and the calls that open sessions with a device proof', async () => {
    const doc = expectAnswer('openApiDocument', await call('openApiDocument')) as {
      paths: Record<string, Record<string, { operationId: string; security: Record<string, unknown>[] }>>;
    };
    const scheme = { none: [], proof: ['deviceProof'], session: ['sessionToken'], admin: ['adminToken'] } as const;
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        const spec = httpOperations[op.operationId as OperationName];
        expect(
          op.security.flatMap((s) => Object.keys(s)),
          op.operationId,
        ).toEqual(scheme[spec.auth]);
        if (spec.path.startsWith('/v1/admin/')) expect(spec.auth, op.operationId).toBe('admin');
      }
    }
  });

  it('a path parameter longer than any the contract accepts is 400 invalid_request in the envelope, not a bare 414', async () => {
    const token = await newSession();
    expectRefusal(await call('removeFactor', { token, params: { id: 'A'.repeat(1365) } }), 400, 'invalid_request');
    expectRefusal(await call('removeFactor', { token, params: { id: 'A'.repeat(5000) } }), 414, 'invalid_request');
    expectRefusal(await call('removeFactor', { token, params: { id: 'not base64url!' } }), 400, 'invalid_request');
  });
});
