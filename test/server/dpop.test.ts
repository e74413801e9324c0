import { urlOf } from '../support/http-client.js';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN, DEMO_RP_ID } from '../../api/defaults.js';
import { accessTokenHash } from '../../server/dpop/verify-proof.js';
import type { RunningServer } from '../../server/start.js';
import { startTestServer } from '../support/service-harness.js';
import { TestClock } from '../support/test-clock.js';

/** A device as the server sees it: a key pair that signs proofs, with every claim under the test's control. */
class TestDevice {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwk: JWK,
  ) {}

  static async create(): Promise<TestDevice> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return new TestDevice(privateKey, await exportJWK(publicKey));
  }

  proof(
    claims: { htm: string; htu: string; iat: number; jti?: string; ath?: string },
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const { jti, ...rest } = claims;
    return new SignJWT({ ...rest, jti: jti ?? randomBytes(16).toString('base64url') })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.jwk, ...header })
      .sign(this.privateKey);
  }
}

const device = { name: 'test laptop', platform: 'linux', osVersion: '6.1', appVersion: '0.1.0', kind: 'personal' } as const;
let server: RunningServer;
const clock = new TestClock('running');
const now = () => Math.floor(clock.now().getTime() / 1000);

beforeAll(async () => {
  server = await startTestServer({ rpId: DEMO_RP_ID, origins: [DEMO_ENROLMENT_ORIGIN] }, { clock });
  await server.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace' }, 'test');
});
afterAll(() => server.close());

async function openSession(key: TestDevice, code?: string): Promise<{ status: number; token?: string; error?: string }> {
  const url = urlOf(server.url, 'openSession');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', dpop: await key.proof({ htm: 'POST', htu: url, iat: now() }) },
    body: JSON.stringify({ code: code ?? (await server.services.accounts.issueCode('ada.new', 'test')).code, device }),
  });
  const body = (await response.json()) as { token?: string; error?: { code: string } };
  return { status: response.status, ...(body.token ? { token: body.token } : {}), ...(body.error ? { error: body.error.code } : {}) };
}

async function getSession(key: TestDevice, token: string, proof?: string): Promise<{ status: number; error?: string }> {
  const url = urlOf(server.url, 'getSession');
  const response = await fetch(url, {
    headers: {
      authorization: `DPoP ${token}`,
      dpop: proof ?? (await key.proof({ htm: 'GET', htu: url, iat: now(), ath: accessTokenHash(token) })),
    },
  });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, ...(body.error ? { error: body.error.code } : {}) };
}

describe('DPoP at the verification API (RFC 9449 section 4.3)', () => {
  it('accepts a valid proof, and binds the session to its key', async () => {
    const key = await TestDevice.create();
    const { status, token } = await openSession(key);
    expect(status).toBe(201);
    expect(await getSession(key, token!)).toEqual({ status: 200, error: undefined });
  });

  it('refuses a session start without a proof, or with a proof that is not a DPoP JWT', async () => {
    const url = urlOf(server.url, 'openSession');
    const code = (await server.services.accounts.issueCode('ada.new', 'test')).code;
    for (const dpop of [undefined, 'not.a.jwt', 'abc']) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(dpop ? { dpop } : {}) },
        body: JSON.stringify({ code, device }),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('dpop_invalid');
    }
  });

  it('refuses a replayed proof', async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    const url = urlOf(server.url, 'getSession');
    const proof = await key.proof({ htm: 'GET', htu: url, iat: now(), ath: accessTokenHash(token!) });
    expect((await getSession(key, token!, proof)).status).toBe(200);
    expect(await getSession(key, token!, proof)).toEqual({ status: 401, error: 'dpop_invalid' });
  });

  it('refuses a proof for another method or another URL', async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    const url = urlOf(server.url, 'getSession');
    const ath = accessTokenHash(token!);
    expect((await getSession(key, token!, await key.proof({ htm: 'POST', htu: url, iat: now(), ath }))).error).toBe('dpop_invalid');
    expect(
      (await getSession(key, token!, await key.proof({ htm: 'GET', htu: urlOf(server.url, 'openSession'), iat: now(), ath }))).error,
    ).toBe('dpop_invalid');
    // Query and fragment do not count (check 9).
    expect((await getSession(key, token!, await key.proof({ htm: 'GET', htu: `${url}?x=1#y`, iat: now(), ath }))).status).toBe(200);
  });

  it("refuses a proof without the token hash, or with another token's", async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    const url = urlOf(server.url, 'getSession');
    expect((await getSession(key, token!, await key.proof({ htm: 'GET', htu: url, iat: now() }))).error).toBe('dpop_invalid');
    expect(
      (await getSession(key, token!, await key.proof({ htm: 'GET', htu: url, iat: now(), ath: accessTokenHash('other') }))).error,
    ).toBe('dpop_invalid');
  });

  it('accepts iat within the window and refuses it just outside, at both edges', async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    const url = urlOf(server.url, 'getSession');
    const ath = accessTokenHash(token!);
    const at = (iat: number) => key.proof({ htm: 'GET', htu: url, iat, ath });
    expect((await getSession(key, token!, await at(now() - 59))).status).toBe(200);
    expect((await getSession(key, token!, await at(now() - 62))).error).toBe('dpop_invalid');
    expect((await getSession(key, token!, await at(now() + 4))).status).toBe(200);
    expect((await getSession(key, token!, await at(now() + 7))).error).toBe('dpop_invalid');
  });

  it('refuses a proof whose header carries a private key', async () => {
    const key = await TestDevice.create();
    const url = urlOf(server.url, 'openSession');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const withPrivate = await key.proof({ htm: 'POST', htu: url, iat: now() }, { jwk: await exportJWK(privateKey) });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', dpop: withPrivate },
      body: JSON.stringify({ code: (await server.services.accounts.issueCode('ada.new', 'test')).code, device }),
    });
    expect(response.status).toBe(401);
  });

  it("refuses a session token presented with another device key's proof", async () => {
    const owner = await TestDevice.create();
    const thief = await TestDevice.create();
    const { token } = await openSession(owner);
    expect(await getSession(thief, token!)).toEqual({ status: 401, error: 'dpop_invalid' });
    // The owner is unaffected.
    expect((await getSession(owner, token!)).status).toBe(200);
  });

  it('gives exactly one session when two devices race for one code', async () => {
    const code = (await server.services.accounts.issueCode('ada.new', 'test')).code;
    const devices = await Promise.all(Array.from({ length: 6 }, () => TestDevice.create()));
    const results = await Promise.all(devices.map((d) => openSession(d, code)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.error === 'code_used')).toHaveLength(5);
  });

  it('refuses codes and sessions from a device whose key was revoked', async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    const [record] = (await server.services.devices.list()).filter((d) => d.revoked_at === null).slice(-1);
    await server.services.devices.revoke(record!.id, 'test');
    expect(await getSession(key, token!)).toEqual({ status: 403, error: 'device_revoked' });
    expect(await openSession(key)).toMatchObject({ status: 403, error: 'device_revoked' });
  });

  it('records the device with its signals, first and last seen', async () => {
    const key = await TestDevice.create();
    await openSession(key);
    clock.advance(1);
    await openSession(key);
    const devices = await server.services.devices.list();
    const mine = devices.at(-1)!;
    expect(mine).toMatchObject({ name: 'test laptop', platform: 'linux', os_version: '6.1', app_version: '0.1.0', kind: 'personal' });
    expect(mine.last_seen_at > mine.first_seen_at).toBe(true);
  });
});

describe('session lifetime on the server', () => {
  it('ends an idle session before its lifetime, and any session at its lifetime', async () => {
    const key = await TestDevice.create();
    const { token } = await openSession(key);
    clock.advance(299);
    expect((await getSession(key, token!)).status).toBe(200); // use resets the idle limit
    clock.advance(299);
    expect((await getSession(key, token!)).status).toBe(200);
    clock.advance(301);
    expect(await getSession(key, token!)).toEqual({ status: 401, error: 'session_expired' });

    const other = await TestDevice.create();
    const second = await openSession(other);
    for (let i = 0; i < 3; i++) {
      clock.advance(190);
      expect((await getSession(other, second.token!)).status).toBe(200);
    }
    clock.advance(31); // 601 s after the start: past the 10-minute lifetime, though used 31 s ago
    expect(await getSession(other, second.token!)).toEqual({ status: 401, error: 'session_expired' });
  });
});
