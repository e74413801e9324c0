import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { Api, expectRefusal, expectStatus } from '../support/api-harness.js';
import { sendKeepingHeaders, type ReplyWithHeaders } from '../support/http-client.js';
import { ClientLimiter } from '../../server/limits/client-limiter.js';
import { newService, TEST_DEVICE } from '../support/service-harness.js';

/**
 * Issue 16: no single client can exhaust the unauthenticated calls. The test process stands for
 * a proxy on loopback (FIRSTKEY_TRUSTED_PROXIES=127.0.0.1) and names each client with
 * X-Forwarded-For, as nginx does.
 */

let api: Api | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const WINDOW = 60;

async function start(limits: { clientMaxFailures?: number; clientMaxRequests?: number }): Promise<Api> {
  api = await Api.start({
    trustedProxies: ['127.0.0.1'],
    clientLimitWindowSeconds: WINDOW,
    clientMaxFailures: 5,
    clientMaxRequests: 50,
    ...limits,
  });
  return api;
}

function expectLimited(reply: ReplyWithHeaders): number {
  expectRefusal(reply, 429, 'rate_limited');
  const retryAfter = Number(reply.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW);
  expect(ApiError.parse(reply.body).error.retryAfterSeconds).toBe(retryAfter);
  return retryAfter;
}

describe('No per-client rate limit on any unauthenticated endpoint', () => {
  it('a client over its failure limit gets 429 with Retry-After, even with a good code; another client is unaffected', async () => {
    const a = await start({ clientMaxFailures: 5 });
    const username = await a.createUser();
    const code = await a.enrolmentCode(username);
    const guesser = await a.device();
    const from = (address: string) => ({ 'x-forwarded-for': address });
    // A different unknown handle each time: every handle has waits of its own after a few tries.
    const wrong = (i: number) => `AAA${i}-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`;
    for (let i = 0; i < 5; i++) {
      const reply = await sendKeepingHeaders(a.server.url, 'openSession', {
        key: guesser.key,
        headers: from('198.51.100.1'),
        body: { code: wrong(i), device: TEST_DEVICE },
      });
      expectRefusal(reply, 400, 'code_invalid');
    }
    // Over the limit the code is not even looked at: the real one is refused too, and not spent.
    const limited = await sendKeepingHeaders(a.server.url, 'openSession', {
      key: guesser.key,
      headers: from('198.51.100.1'),
      body: { code, device: TEST_DEVICE },
    });
    const retryAfter = expectLimited(limited);
    // The same limit holds on every limited call, recovery included.
    expectLimited(
      await sendKeepingHeaders(a.server.url, 'openRecoverySession', {
        key: guesser.key,
        headers: from('198.51.100.1'),
        body: { method: 'recovery-code', username, code: 'AAAA-AAAA-AAAA-AAAA', device: TEST_DEVICE },
      }),
    );
    const newHire = await a.device();
    const opened = await sendKeepingHeaders(a.server.url, 'openSession', {
      key: newHire.key,
      headers: from('198.51.100.2'),
      body: { code, device: TEST_DEVICE },
    });
    expectStatus(opened, 201);
    // When the wait is over, the guesser is heard again.
    a.clock.advance(retryAfter);
    const later = await sendKeepingHeaders(a.server.url, 'openSession', {
      key: guesser.key,
      headers: from('198.51.100.1'),
      body: { code: wrong(9), device: TEST_DEVICE },
    });
    expectRefusal(later, 400, 'code_invalid');
  });

  it('a client over its request limit gets 429 even when every call succeeds; the others are not slowed', async () => {
    const a = await start({ clientMaxRequests: 8, clientMaxFailures: 100 });
    const username = await a.createUser();
    const device = await a.device();
    const ask = (address: string) =>
      sendKeepingHeaders(a.server.url, 'authenticationOptions', {
        key: device.key,
        headers: { 'x-forwarded-for': address },
        body: { username, purpose: 'manage' },
      });
    for (let i = 0; i < 8; i++) expectStatus(await ask('203.0.113.7'), 200);
    expectLimited(await ask('203.0.113.7'));
    expectStatus(await ask('203.0.113.8'), 200);
  });

  it('a forged X-Forwarded-For from a peer that is no trusted proxy buys no fresh allowance', async () => {
    api = await Api.start({ clientLimitWindowSeconds: WINDOW, clientMaxFailures: 3 });
    const device = await api.device();
    const replies: number[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = await sendKeepingHeaders(api.server.url, 'openSession', {
        key: device.key,
        headers: { 'x-forwarded-for': `192.0.2.${i}` },
        body: { code: `AAA${i}-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`, device: TEST_DEVICE },
      });
      replies.push(reply.status);
    }
    expect(replies).toEqual([400, 400, 400, 429, 429, 429]);
  });
});

describe('The per-client failure limit can be bypassed by concurrency', () => {
  it('two hundred wrong guesses sent at once from one client: no more than maxFailures are checked, the rest get 429', async () => {
    const a = await start({ clientMaxFailures: 30, clientMaxRequests: 1000 });
    const guesser = await a.device();
    // Each guess at a handle of its own, so only the per-client limit stands in the way.
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sendKeepingHeaders(a.server.url, 'openSession', {
          key: guesser.key,
          headers: { 'x-forwarded-for': '198.51.100.50' },
          body: { code: `${handleOf(i)}-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG`, device: TEST_DEVICE },
        }),
      ),
    );
    expect(replies.filter((r) => r.status === 400)).toHaveLength(30);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(170);
  });

  it('the limiter on its own, on the real database: of many reservations at once exactly maxFailures go ahead; a success gives its place back', async () => {
    const h = await newService();
    try {
      const limiter = new ClientLimiter(h.db, h.clock, { windowSeconds: 600, maxRequests: 10_000, maxFailures: 30 });
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => limiter.reserve('198.51.100.60')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(30);
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as { code?: string }).code);
      expect(new Set(refused)).toEqual(new Set(['rate_limited']));
      // Successes are given back: an office behind one address is not slowed by its own successes.
      for (const o of outcomes) if (o.status === 'fulfilled') await o.value.succeeded();
      const again = await Promise.allSettled(Array.from({ length: 30 }, () => limiter.reserve('198.51.100.60')));
      expect(again.every((o) => o.status === 'fulfilled')).toBe(true);
      await expect(limiter.reserve('198.51.100.60')).rejects.toMatchObject({ code: 'rate_limited' });
      // Another client, and the same client's IPv6 neighbour in another /64, are unaffected.
      await expect(limiter.reserve('198.51.100.61')).resolves.toBeDefined();
    } finally {
      await h.close();
    }
  });

  it('an IPv6 client is counted by its /64: addresses rotated inside it share one count', async () => {
    const h = await newService();
    try {
      const limiter = new ClientLimiter(h.db, h.clock, { windowSeconds: 600, maxRequests: 10_000, maxFailures: 3 });
      for (const address of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:0db8:0001:0002:0:0:0:abcd']) await limiter.reserve(address);
      await expect(limiter.reserve('2001:db8:1:2::77')).rejects.toMatchObject({ code: 'rate_limited' });
      await expect(limiter.reserve('2001:db8:1:3::1')).resolves.toBeDefined();
    } finally {
      await h.close();
    }
  });
});

/** A distinct 4-character Crockford handle for each number. */
function handleOf(i: number): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return `A${alphabet[Math.floor(i / 32) % 32] ?? '0'}${alphabet[i % 32] ?? '0'}Z`;
}
