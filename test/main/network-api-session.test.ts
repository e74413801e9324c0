// Issue 10, "Corporate networks": API calls through Electron's net stack on a
// session of their own that follows the system proxy, and the pinned CA
// (network-pinned-ca.test.ts) applied only where Chromium refused the chain.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_PARTITION,
  CERTIFICATE_ACCEPT,
  CERTIFICATE_USE_CHROMIUM_VERDICT,
  configureApiSession,
  NET_ERR_CERT_AUTHORITY_INVALID,
  NET_OK,
  pinnedCertificateVerifier,
  type ApiSession,
  type CertificateVerifyProc,
  type CertificateVerifyRequest,
  type PresentedCertificate,
} from '../../electron/main/network/api-session.js';
import { silentLogger, type Logger } from '../../electron/main/log/logger.js';
import { HOST, pins, usePki } from './support/pki.js';

const pki = usePki();

function asPresented(...chain: string[]): PresentedCertificate {
  const [first, ...rest] = chain;
  const certificate = new X509Certificate(first!);
  return { data: first!, fingerprint: certificate.fingerprint256, issuerCert: rest.length > 0 ? asPresented(...rest) : undefined };
}

function verdict(proc: CertificateVerifyProc, request: CertificateVerifyRequest): number {
  const results: number[] = [];
  proc(request, (result) => results.push(result));
  expect(results).toHaveLength(1);
  return results[0]!;
}

class RecordingSession implements ApiSession {
  proxies: unknown[] = [];
  proc: CertificateVerifyProc | null | undefined;
  fetched: { input: string | Request; init: RequestInit | undefined }[] = [];
  async setProxy(config: { mode: 'system' }) {
    this.proxies.push(config);
  }
  setCertificateVerifyProc(proc: CertificateVerifyProc | null) {
    this.proc = proc;
  }
  async fetch(input: string | Request, init?: RequestInit) {
    this.fetched.push({ input, init });
    return new Response('{}', { status: 200 });
  }
}

function recordingLogger(): Logger & { lines: [string, string, Record<string, unknown> | undefined][] } {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  const at = (level: string) => (event: string, fields?: Record<string, unknown>) => void lines.push([level, event, fields]);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('Corporate networks: the API session', () => {
  it('is not the renderer partition, whose https scheme serves the bundled app', () => {
    expect(API_PARTITION).not.toBe('firstkey');
  });

  it('follows the system proxy, and its fetch is the session fetch', async () => {
    const session = new RecordingSession();
    const fetch = await configureApiSession(session, { serverUrl: `https://${HOST}/`, logger: silentLogger });
    expect(session.proxies).toEqual([{ mode: 'system' }]);
    // No pins: Chromium and the OS store decide alone.
    expect(session.proc).toBeUndefined();
    const init: RequestInit = { method: 'POST', body: '{}' };
    await fetch(new URL(`https://${HOST}/v1/sessions`), init);
    expect(session.fetched).toEqual([{ input: `https://${HOST}/v1/sessions`, init }]);
  });

  // What Electron hands the proc: errorCode is Chromium's net error, verificationResult its net::ErrorToString.
  const TRUSTED = { verificationResult: 'net::OK', errorCode: NET_OK };
  const UNKNOWN_AUTHORITY = { verificationResult: 'net::ERR_CERT_AUTHORITY_INVALID', errorCode: NET_ERR_CERT_AUTHORITY_INVALID };

  it('lets Chromium decide when it trusts the chain, and rescues only refused chains for the API host', async () => {
    const session = new RecordingSession();
    const logger = recordingLogger();
    await configureApiSession(session, { serverUrl: `https://${HOST}:8443/`, extraCaCertificates: pins(pki.root), logger });
    const proc = session.proc!;
    const proxied = asPresented(pki.leaf, pki.intermediate);
    expect(verdict(proc, { hostname: HOST, certificate: proxied, ...TRUSTED })).toBe(CERTIFICATE_USE_CHROMIUM_VERDICT);
    // Chromium's trusted verdict is kept without a second look (its transparency checks stay on).
    expect(logger.lines.filter(([, event]) => event.startsWith('tls.'))).toEqual([]);
    expect(verdict(proc, { hostname: HOST, certificate: proxied, ...UNKNOWN_AUTHORITY })).toBe(CERTIFICATE_ACCEPT);
    expect(logger.lines).toContainEqual([
      'info',
      'tls.pinned_certificate_accepted',
      { host: HOST, reason: 'net::ERR_CERT_AUTHORITY_INVALID' },
    ]);
    // A stranger's chain keeps Chromium's refusal.
    const stranger = asPresented(pki.strangerLeaf, pki.strangerRoot);
    expect(verdict(proc, { hostname: HOST, certificate: stranger, ...UNKNOWN_AUTHORITY })).toBe(CERTIFICATE_USE_CHROMIUM_VERDICT);
    expect(logger.lines.at(-1)).toEqual(['warn', 'tls.certificate_refused', { host: HOST, reason: 'net::ERR_CERT_AUTHORITY_INVALID' }]);
  });

  it.each([
    ['net::ERR_CERT_COMMON_NAME_INVALID', -200],
    ['net::ERR_CERT_DATE_INVALID', -201],
    ['net::ERR_CERT_REVOKED', -206],
    ['net::ERR_CERT_INVALID', -207],
    ['net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM', -208],
    ['net::ERR_CERT_NAME_CONSTRAINT_VIOLATION', -212],
    ['net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', -214],
  ])('keeps every other refusal of a chain the pin would otherwise trust: %s', (verificationResult, errorCode) => {
    const logger = recordingLogger();
    const proc = pinnedCertificateVerifier(HOST, pins(pki.root), logger);
    const proxied = asPresented(pki.leaf, pki.intermediate);
    expect(verdict(proc, { hostname: HOST, certificate: proxied, verificationResult, errorCode })).toBe(CERTIFICATE_USE_CHROMIUM_VERDICT);
    // The help desk still sees why the API host was refused.
    expect(logger.lines).toEqual([['warn', 'tls.certificate_refused', { host: HOST, reason: verificationResult }]]);
  });

  it('honours the pin for the API host only', () => {
    const proc = pinnedCertificateVerifier(HOST, pins(pki.root), silentLogger);
    const otherHost = asPresented(pki.otherHostLeaf, pki.intermediate);
    expect(verdict(proc, { hostname: 'evil.example', certificate: otherHost, ...UNKNOWN_AUTHORITY })).toBe(
      CERTIFICATE_USE_CHROMIUM_VERDICT,
    );
  });
});
