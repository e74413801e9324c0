import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../electron/main/api-client.js';
import type { RunningServer } from '../../server/start.js';
import { DEVICE, deviceProofSigner } from '../main/support/device.js';
import { DpopKey } from '../support/dpop-key.js';
import { send, urlOf } from '../support/http-client.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { freePort } from '../support/server-process.js';
import { startTestServer, TEST_ORIGIN } from '../support/service-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * Issue 16: behind a proxy that terminates TLS. nginx from Debian stands in front of the server
 * with a throw-away certificate; the app's own API client (main's createApiClient and device-key
 * signer) calls https://localhost:<port>, while the server listens on plain HTTP on another port.
 */

/**
 * Node's fetch, trusting nginx's throw-away certificate and nothing more. Each client connects
 * from its own loopback address (all of 127/8 is local on Linux), so nginx sees distinct peers,
 * while nginx itself reaches the server from 127.0.0.1, the one trusted proxy.
 */
function trustingFetch(certificate: string, localAddress = '127.0.0.1'): typeof fetch {
  const dispatcher = new Agent({ localAddress, connect: { ca: certificate } });
  return ((url: URL | string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}

describe('Behind a TLS-terminating proxy: DPoP through FIRSTKEY_PUBLIC_URL', () => {
  let nginx: Nginx;
  let server: RunningServer;
  let app: (localAddress: string) => ApiClient;

  beforeAll(async () => {
    // The public URL names nginx's port, so the port is chosen before either starts.
    const port = await freePort();
    server = await startTestServer({
      publicUrl: `https://localhost:${port}`,
      trustedProxies: ['127.0.0.1'],
      clientMaxFailures: 5,
    });
    nginx = await startNginx(server.url, port);
    app = (localAddress: string) =>
      createApiClient({ baseUrl: nginx.url, signProof: deviceProofSigner(), fetch: trustingFetch(nginx.certificate, localAddress) });
    await server.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
    // Each test's own person: once enrolled, nobody is issued another enrolment code.
    await server.services.accounts.createUser({ username: 'bo.new', displayName: 'Bo Lind', role: 'engineer' }, 'test');
  }, 60_000);

  afterAll(async () => {
    await nginx.stop();
    await server.close();
  });

  it('enrols a passkey end to end with the app signing proofs for the public https URL', async () => {
    const client = app('127.0.0.4');
    const { code } = await server.services.accounts.issueCode('ada.new', 'test-helpdesk');
    const opened = await client.call('openSession', { body: { code, device: DEVICE } });
    const { token } = opened;
    const { options } = await client.call('registrationOptions', { token, body: { factor: 'passkey' } });
    const response = new SoftAuthenticator({ attachment: 'platform', userVerified: true }).create(options, { origin: TEST_ORIGIN });
    const registered = await client.call('verifyRegistration', { token, body: { factor: 'passkey', response } });
    expect(registered.credential.status).toBe('pending');
    const done = await client.call('complete', { token });
    expect(done.recoveryCodes).toHaveLength(10);
  });

  it('refuses a proof made for the internal URL, through the proxy and straight to the server', async () => {
    const key = await DpopKey.create();
    const internal = urlOf(server.url, 'openSession');
    const { code } = await server.services.accounts.issueCode('bo.new', 'test-helpdesk');
    const body = JSON.stringify({ code, device: DEVICE });
    // Through nginx, signed for where the server listens: the htu does not match the public URL.
    const viaProxy = await trustingFetch(nginx.certificate, '127.0.0.5')(urlOf(nginx.url, 'openSession'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', dpop: await key.proof('POST', internal) },
      body,
    });
    expect(viaProxy.status).toBe(401);
    expect(await viaProxy.json()).toMatchObject({ error: { code: 'dpop_invalid' } });
    // Straight to the server, bypassing the proxy: the public URL still decides.
    const direct = await send(server.url, 'openSession', { key, body: { code, device: DEVICE } });
    expect(direct.status).toBe(401);
    expect(direct.body).toMatchObject({ error: { code: 'dpop_invalid' } });
    // The code survives both: the same key signing for the public URL still redeems it.
    const good = await trustingFetch(nginx.certificate, '127.0.0.5')(urlOf(nginx.url, 'openSession'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', dpop: await key.proof('POST', urlOf(nginx.url, 'openSession')) },
      body,
    });
    expect(good.status).toBe(201);
  });

  it('ignores a forged X-Forwarded-For from an untrusted peer: the limit follows the real address', async () => {
    const attacker = trustingFetch(nginx.certificate, '127.0.0.2');
    const key = await DpopKey.create();
    const url = urlOf(nginx.url, 'openSession');
    let tries = 0;
    // A different unknown handle each try: a handle has waits and a lock of its own, and only the per-client limit is looked at here.
    const guess = async (forged: string, from = attacker) =>
      from(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forged, dpop: await key.proof('POST', url) },
        body: JSON.stringify({ code: `AAA${String(++tries % 10)}-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`, device: DEVICE }),
      });
    const statuses: number[] = [];
    // A fresh made-up address on every try: were it believed, each would start a new count.
    for (let i = 1; i <= 6; i++) statuses.push((await guess(`198.51.100.${i}`)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    const refused = await guess('198.51.100.99');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Someone else behind the same proxy is not held back by the attacker's failures.
    const neighbour = await guess('198.51.100.1', trustingFetch(nginx.certificate, '127.0.0.3'));
    expect(neighbour.status).toBe(400);
    expect(await neighbour.json()).toMatchObject({ error: { code: 'code_invalid' } });
  });
});
