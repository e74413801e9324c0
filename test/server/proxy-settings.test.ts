import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.js';
import { clientAddress, proxyTrust } from '../../server/http/client-address.js';
import { proofUrlNotice } from '../../server/http/public-url.js';
import { clientKey } from '../../server/limits/client-key.js';
import { DEVICE } from '../main/support/device.js';
import { DpopKey } from '../support/dpop-key.js';
import { send, urlOf } from '../support/http-client.js';
import { startProcess } from '../support/server-process.js';
import { startTestServer } from '../support/service-harness.js';

/** Issue 16: the settings that put the server behind a proxy, and whose word counts for the client's address. */

describe('Behind a proxy: whose forwarding header is believed', () => {
  const trust = proxyTrust(['10.0.0.0/8', '::1', 'fd00::/8']);
  const xff = (peer: string, header?: string) => clientAddress({ peer, header }, trust, 'x-forwarded-for');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(xff('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    expect(xff('::ffff:203.0.113.9', '10.0.0.1')).toBe('203.0.113.9');
  });

  it('takes the address a trusted proxy appended, never what the client wrote before it', () => {
    // The client sent "X-Forwarded-For: 198.51.100.1"; nginx at 10.0.0.2 appended the peer it saw.
    expect(xff('10.0.0.2', '198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(xff('::ffff:10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('walks through a chain of trusted proxies (IPv4 and IPv6 blocks) to the first untrusted hop', () => {
    expect(xff('::1', '203.0.113.9, fd00::5, 10.1.2.3')).toBe('203.0.113.9');
    expect(xff('10.0.0.2', '2001:db8::7')).toBe('2001:db8::7');
  });

  it('stops at a hop that is not an address, at the last proxy it can vouch for', () => {
    expect(xff('10.0.0.2', 'garbage, 10.0.0.3')).toBe('10.0.0.3');
  });

  it('reads RFC 7239 Forwarded when that is the header configured, and only then', () => {
    const header = 'for=198.51.100.1, for="[2001:db8:cafe::17]:4711";proto=https';
    expect(clientAddress({ peer: '10.0.0.2', header }, trust, 'forwarded')).toBe('2001:db8:cafe::17');
    expect(clientAddress({ peer: '10.0.0.2', header: 'for=_hidden' }, trust, 'forwarded')).toBe('10.0.0.2');
    expect(clientAddress({ peer: '10.0.0.2', header: 'for="192.0.2.43:47011"' }, trust, 'forwarded')).toBe('192.0.2.43');
  });

  it('believes nobody when no proxy is configured', () => {
    expect(clientAddress({ peer: '127.0.0.1', header: '198.51.100.1' }, proxyTrust([]), 'x-forwarded-for')).toBe('127.0.0.1');
  });
});

describe('A bad proxy setting stops the server and names the variable', () => {
  it.each([
    ['FIRSTKEY_PUBLIC_URL', 'ftp://api.example.com'],
    ['FIRSTKEY_PUBLIC_URL', 'https://api.example.com/?x=1'],
    ['FIRSTKEY_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['FIRSTKEY_TRUSTED_PROXIES', '127.0.0.1,nginx.internal'],
    ['FIRSTKEY_FORWARDED_HEADER', 'x-real-ip'],
  ])('%s=%s', (name, value) => {
    expect(() => configFromEnv({ [name]: value })).toThrow(new RegExp(`^Invalid server setting ${name}: `));
  });

  it('accepts IPv4 and IPv6 addresses and blocks', () => {
    expect(configFromEnv({ FIRSTKEY_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7, ::1, fd00:1234::/48' }).trustedProxies).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00:1234::/48',
    ]);
  });
});

describe('Client keys', () => {
  const trust = proxyTrust(['10.0.0.0/8']);
  const xff = (header: string) => clientAddress({ peer: '10.0.0.2', header }, trust, 'x-forwarded-for');

  it('strips the port a proxy wrote into X-Forwarded-For, IPv4 and bracketed IPv6 alike, as Forwarded already did', () => {
    expect(xff('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(xff('[2001:db8::7]:51234')).toBe('2001:db8::7');
    expect(xff('[2001:db8::7]')).toBe('2001:db8::7');
    // A bare IPv6 address keeps its colons; a port cannot make a trusted proxy of a client.
    expect(xff('2001:db8::7')).toBe('2001:db8::7');
    expect(xff('203.0.113.7:51234, 10.0.0.3:443')).toBe('203.0.113.7');
  });

  it('keys an IPv6 client by its /64, whatever spelling the address came in; IPv4 and mapped IPv4 by the address', () => {
    const sameHost = ['2001:db8:aa:bb::1', '2001:0db8:00aa:00bb:ffff:1:2:3', '2001:DB8:AA:BB:0:0:0:9', '2001:db8:aa:bb::1%eth0'];
    expect(new Set(sameHost.map(clientKey))).toEqual(new Set(['2001:db8:aa:bb::/64']));
    expect(clientKey('2001:db8:aa:bc::1')).not.toBe(clientKey('2001:db8:aa:bb::1'));
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it.each([['0.0.0.0/0'], ['10.0.0.0/7'], ['::/0'], ['2001:db8::/31'], ['127.0.0.1, 0.0.0.0/1']])(
    'refuses FIRSTKEY_TRUSTED_PROXIES=%s at start, naming the variable: it would trust far more than a proxy',
    (value) => {
      expect(() => configFromEnv({ FIRSTKEY_TRUSTED_PROXIES: value })).toThrow(
        /^Invalid server setting FIRSTKEY_TRUSTED_PROXIES: .* prefixes must be at least \/8 \(IPv4\) or \/32 \(IPv6\)/,
      );
    },
  );

  it('accepts the narrowest allowed blocks and single addresses', () => {
    expect(configFromEnv({ FIRSTKEY_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32, 192.0.2.1' }).trustedProxies).toHaveLength(3);
  });
});

describe('At start the server says which URL proofs must name', () => {
  it('the public URL when set', () => {
    expect(proofUrlNotice({ publicUrl: 'https://firstkey.corp.example/', trustedProxies: [] }, 'http://127.0.0.1:8787')).toContain(
      'https://firstkey.corp.example/...',
    );
  });

  it('the listening URL otherwise, and a warning when proxies are trusted without a public URL', () => {
    expect(proofUrlNotice({ publicUrl: undefined, trustedProxies: [] }, 'http://127.0.0.1:8787')).toContain('http://127.0.0.1:8787/...');
    expect(proofUrlNotice({ publicUrl: undefined, trustedProxies: ['10.0.0.1'] }, 'http://127.0.0.1:8787')).toMatch(
      /FIRSTKEY_PUBLIC_URL is not: proofs signed for the proxy URL will be refused/,
    );
  });
});

describe('The server as operators start it', () => {
  it('prints at start the URL DPoP proofs must name', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'firstkey-notice-'));
    const server = await startProcess(['--import', 'tsx', 'server/main.ts'], {
      FIRSTKEY_DATA_DIR: dataDir,
      // SQLite in its own directory, whichever database this run tests.
      FIRSTKEY_DATABASE_URL: '',
      FIRSTKEY_PUBLIC_URL: 'https://firstkey-api.corp.example',
      FIRSTKEY_TRUSTED_PROXIES: '127.0.0.1',
    });
    try {
      expect(server.output()).toContain('DPoP proofs must name https://firstkey-api.corp.example/... (FIRSTKEY_PUBLIC_URL)');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('A public URL with a path prefix', () => {
  it('expects proofs for the prefix joined with the route path, query left out', async () => {
    const server = await startTestServer({ publicUrl: 'https://gateway.corp.example/firstkey/' });
    try {
      const key = await DpopKey.create();
      const publicRoute = urlOf('https://gateway.corp.example/firstkey', 'openSession');
      const withPrefix = await send(server.url, 'openSession', {
        headers: { dpop: await key.proof('POST', publicRoute) },
        body: { code: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG', device: DEVICE },
      });
      // Past the proof: the code is what is refused.
      expect(withPrefix.body).toMatchObject({ error: { code: 'code_invalid' } });
      const withoutPrefix = await send(server.url, 'openSession', {
        headers: { dpop: await key.proof('POST', urlOf('https://gateway.corp.example', 'openSession')) },
        body: { code: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG', device: DEVICE },
      });
      expect(withoutPrefix.body).toMatchObject({ error: { code: 'dpop_invalid' } });
    } finally {
      await server.close();
    }
  });
});
