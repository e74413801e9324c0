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

/** Node's fetch, trusting nginx's throw-away certificate and nothing more. */
function trustingFetch(certificate: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: certificate } });
  return ((url: URL | string, init?: RequestInit) =>
    undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}

describe('Behind a TLS-terminating proxy: DPoP through FIRSTKEY_PUBLIC_URL', () => {
  let nginx: Nginx;
  let server: RunningServer;
  let app: (signer?: ReturnType<typeof deviceProofSigner>) => ApiClient;

  beforeAll(async () => {
    // The public URL names nginx's port, so the port is chosen before either starts.
    const port = await freePort();
    server = await startTestServer({
      publicUrl: `https://localhost:${port}`,
      trustedProxies: ['127.0.0.1'],
    });
    nginx = await startNginx(server.url, port);
    app = (signer = deviceProofSigner()) =>
      createApiClient({ baseUrl: nginx.url, signProof: signer, fetch: trustingFetch(nginx.certificate) });
    await server.services.accounts.createUser({ username: 'ada.new', displayName: 'Ada Lovelace', role: 'engineer' }, 'test');
  }, 60_000);

  afterAll(async () => {
    await nginx.stop();
    await server.close();
  });

  it('enrols a passkey end to end with the app signing proofs for the public https URL', async () => {
    const client = app();
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
    const { code } = await server.services.accounts.issueCode('ada.new', 'test-helpdesk');
    const body = JSON.stringify({ code, device: DEVICE });
    // Through nginx, signed for where the server listens: the htu does not match the public URL.
    const viaProxy = await trustingFetch(nginx.certificate)(urlOf(nginx.url, 'openSession'), {
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
    const good = await trustingFetch(nginx.certificate)(urlOf(nginx.url, 'openSession'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', dpop: await key.proof('POST', urlOf(nginx.url, 'openSession')) },
      body,
    });
    expect(good.status).toBe(201);
  });
});
