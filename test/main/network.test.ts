// Issue 10, "Corporate networks": API calls through Electron's net stack on a
// session of their own, and a CA (or server certificate) pinned by managed
// configuration. Certificates are real, made with openssl for each run; one
// case takes the chain from a real TLS handshake.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { chainVerifiesToPinned } from '../../electron/main/network/pinned-ca.js';
import { silentLogger, type Logger } from '../../electron/main/log/logger.js';

const HOST = 'api.corp.example';
const dir = mkdtempSync(join(tmpdir(), 'firstkey-pki-'));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

function keyAndCsr(name: string, subject: string, key: readonly string[] = P256): void {
  openssl('req', '-new', ...key, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
}

/** Signs `name`.csr with `issuer`, with the given X.509v3 extensions. */
function issue(name: string, issuer: string, extensions: string[], digest = '-sha256'): string {
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-set_serial',
    `0x${Date.now().toString(16)}${name.length}`,
    '-days',
    '30',
    digest,
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
  return pem(name);
}

function selfSigned(name: string, subject: string, extensions: string[], key: readonly string[] = P256): string {
  openssl(
    'req',
    '-x509',
    ...key,
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '30',
    '-subj',
    subject,
    ...extensions.flatMap((ext) => ['-addext', ext]),
  );
  return pem(name);
}

function pem(name: string): string {
  return readFileSync(join(dir, `${name}.pem`), 'utf8');
}

const CA = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const SERVER = (host: string) => ['basicConstraints=CA:FALSE', `subjectAltName=DNS:${host}`, 'extendedKeyUsage=serverAuth'];

interface Pki {
  root: string;
  intermediate: string;
  leaf: string;
  otherHostLeaf: string;
  clientOnlyLeaf: string;
  strangerRoot: string;
  strangerLeaf: string;
  notACa: string;
  leafUnderNotACa: string;
  selfSignedServer: string;
  forgedLeaf: string;
  sha1Leaf: string;
  md5Leaf: string;
  rsaRoot: string;
  rsa1024Leaf: string;
  p224Leaf: string;
  weakRoot: string;
  leafUnderWeakRoot: string;
  pathLenZero: string;
  underPathLenZero: string;
  leafTooDeep: string;
  leafUnderPathLenZero: string;
  noCertSign: string;
  leafUnderNoCertSign: string;
}
let pki: Pki;

const RSA = (bits: number) => ['-newkey', `rsa:${bits}`];

beforeAll(() => {
  const root = selfSigned('root', '/O=Corp/CN=Corp Root CA', CA);
  keyAndCsr('intermediate', '/O=Corp/CN=Corp Issuing CA');
  const intermediate = issue('intermediate', 'root', CA);
  keyAndCsr('leaf', `/CN=${HOST}`);
  const leaf = issue('leaf', 'intermediate', SERVER(HOST));
  keyAndCsr('other', '/CN=evil.example');
  const otherHostLeaf = issue('other', 'intermediate', SERVER('evil.example'));
  keyAndCsr('client', `/CN=${HOST}`);
  const clientOnlyLeaf = issue('client', 'intermediate', [
    'basicConstraints=CA:FALSE',
    `subjectAltName=DNS:${HOST}`,
    'extendedKeyUsage=clientAuth',
  ]);
  const strangerRoot = selfSigned('stranger', '/O=Corp/CN=Corp Root CA', CA);
  keyAndCsr('strangerleaf', `/CN=${HOST}`);
  const strangerLeaf = issue('strangerleaf', 'stranger', SERVER(HOST));
  keyAndCsr('notaca', '/O=Corp/CN=Corp Issuing CA');
  const notACa = issue('notaca', 'root', ['basicConstraints=critical,CA:FALSE']);
  keyAndCsr('undernotaca', `/CN=${HOST}`);
  const leafUnderNotACa = issue('undernotaca', 'notaca', SERVER(HOST));
  const selfSignedServer = selfSigned('selfserver', `/CN=${HOST}`, SERVER(HOST));
  // Without key identifiers, names are all that link a certificate to its issuer: only the signature tells the forger apart.
  selfSigned('forger', '/O=Corp/CN=Corp Issuing CA', [...CA, 'subjectKeyIdentifier=none']);
  keyAndCsr('forged', `/CN=${HOST}`);
  const forgedLeaf = issue('forged', 'forger', [...SERVER(HOST), 'authorityKeyIdentifier=none', 'subjectKeyIdentifier=none']);
  // Weak signatures and keys, each under the pinned root or a pinned CA of its own.
  keyAndCsr('sha1', `/CN=${HOST}`);
  const sha1Leaf = issue('sha1', 'intermediate', SERVER(HOST), '-sha1');
  const rsaRoot = selfSigned('rsaroot', '/O=Corp/CN=Corp RSA Root', CA, RSA(2048));
  keyAndCsr('md5', `/CN=${HOST}`, RSA(2048));
  const md5Leaf = issue('md5', 'rsaroot', SERVER(HOST), '-md5');
  keyAndCsr('rsa1024', `/CN=${HOST}`, RSA(1024));
  const rsa1024Leaf = issue('rsa1024', 'intermediate', SERVER(HOST));
  keyAndCsr('p224', `/CN=${HOST}`, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp224r1']);
  const p224Leaf = issue('p224', 'intermediate', SERVER(HOST));
  const weakRoot = selfSigned('weakroot', '/O=Corp/CN=Corp Old Root', CA, RSA(1024));
  keyAndCsr('underweak', `/CN=${HOST}`);
  const leafUnderWeakRoot = issue('underweak', 'weakroot', SERVER(HOST));
  // Path length: an issuing CA that may have no CA below it, and a CA below it anyway.
  keyAndCsr('pathlen0', '/O=Corp/CN=Corp Constrained CA');
  const pathLenZero = issue('pathlen0', 'root', ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign']);
  keyAndCsr('belowpathlen0', '/O=Corp/CN=Corp Sub CA');
  const underPathLenZero = issue('belowpathlen0', 'pathlen0', CA);
  keyAndCsr('toodeep', `/CN=${HOST}`);
  const leafTooDeep = issue('toodeep', 'belowpathlen0', SERVER(HOST));
  keyAndCsr('pathlen0leaf', `/CN=${HOST}`);
  const leafUnderPathLenZero = issue('pathlen0leaf', 'pathlen0', SERVER(HOST));
  // A CA certificate whose key usage does not allow signing certificates.
  keyAndCsr('nocertsign', '/O=Corp/CN=Corp Signing Service');
  const noCertSign = issue('nocertsign', 'root', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature,cRLSign']);
  keyAndCsr('undernocertsign', `/CN=${HOST}`);
  const leafUnderNoCertSign = issue('undernocertsign', 'nocertsign', SERVER(HOST));
  pki = {
    sha1Leaf,
    md5Leaf,
    rsaRoot,
    rsa1024Leaf,
    p224Leaf,
    weakRoot,
    leafUnderWeakRoot,
    pathLenZero,
    underPathLenZero,
    leafTooDeep,
    leafUnderPathLenZero,
    noCertSign,
    leafUnderNoCertSign,
    root,
    intermediate,
    leaf,
    otherHostLeaf,
    clientOnlyLeaf,
    strangerRoot,
    strangerLeaf,
    notACa,
    leafUnderNotACa,
    selfSignedServer,
    forgedLeaf,
  };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pins = (...pems: string[]) => pems.map((pem) => new X509Certificate(pem));

describe('Corporate networks: a pinned CA from managed configuration', () => {
  it('trusts a chain that ends at the pinned root, through an intermediate', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root))).toBe(true);
    // A proxy that also sends its root is fine too.
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate, pki.root], pins(pki.root))).toBe(true);
  });

  it('trusts a pinned intermediate, and a pinned server certificate on its own', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.intermediate))).toBe(true);
    expect(chainVerifiesToPinned(HOST, [pki.selfSignedServer], pins(pki.selfSignedServer))).toBe(true);
  });

  it('refuses a certificate for another host, even from the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.otherHostLeaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned('other.corp.example', [pki.leaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses a look-alike root with the same name but another key', () => {
    expect(chainVerifiesToPinned(HOST, [pki.strangerLeaf, pki.strangerRoot], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.strangerLeaf], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf that names the pinned intermediate as issuer but was signed by another key', () => {
    expect(new X509Certificate(pki.forgedLeaf).issuer).toBe(new X509Certificate(pki.intermediate).subject);
    expect(chainVerifiesToPinned(HOST, [pki.forgedLeaf], pins(pki.intermediate))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.forgedLeaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses a chain with a missing link', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leaf], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf issued by a certificate that is not a CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNotACa, pki.notACa], pins(pki.root))).toBe(false);
  });

  it('refuses a leaf not meant for TLS servers', () => {
    expect(chainVerifiesToPinned(HOST, [pki.clientOnlyLeaf, pki.intermediate], pins(pki.root))).toBe(false);
  });

  it('refuses outside the validity period, of the leaf or of the pinned CA', () => {
    const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    const lastYear = new Date(Date.now() - 365 * 24 * 3600 * 1000);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root), inAYear)).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], pins(pki.root), lastYear)).toBe(false);
  });

  it('refuses SHA-1 and MD5 signatures, even from the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.sha1Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.sha1Leaf], pins(pki.intermediate))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.md5Leaf], pins(pki.rsaRoot))).toBe(false);
  });

  it('refuses RSA keys under 2048 bits and EC keys under 256 bits, in the leaf or the pinned CA', () => {
    expect(chainVerifiesToPinned(HOST, [pki.rsa1024Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.p224Leaf, pki.intermediate], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderWeakRoot], pins(pki.weakRoot))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderWeakRoot, pki.weakRoot], pins(pki.weakRoot))).toBe(false);
  });

  it("keeps an issuer's path length: a CA below one that may have none is refused", () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderPathLenZero, pki.pathLenZero], pins(pki.root))).toBe(true);
    expect(chainVerifiesToPinned(HOST, [pki.leafTooDeep, pki.underPathLenZero, pki.pathLenZero], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafTooDeep, pki.underPathLenZero], pins(pki.pathLenZero))).toBe(false);
  });

  it('refuses an issuer whose key usage does not allow signing certificates', () => {
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNoCertSign, pki.noCertSign], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leafUnderNoCertSign], pins(pki.noCertSign))).toBe(false);
  });

  it('refuses garbage and trusts nothing without pins', () => {
    expect(chainVerifiesToPinned(HOST, ['not a certificate'], pins(pki.root))).toBe(false);
    expect(chainVerifiesToPinned(HOST, [pki.leaf, pki.intermediate], [])).toBe(false);
  });

  it('verifies the chain a real TLS server presents', async () => {
    const server: Server = createServer(
      { key: readFileSync(join(dir, 'leaf.key')), cert: `${pki.leaf}${pki.intermediate}` },
      (_req, res) => {
        res.end('ok');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const presented = await new Promise<string[]>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: HOST, rejectUnauthorized: false }, () => {
          const chain: string[] = [];
          for (let cert = socket.getPeerX509Certificate(); cert; cert = cert.issuerCertificate) {
            chain.push(cert.toString());
            if (chain.length > 5) break;
          }
          // Node's own verdict, without the pin: untrusted, as Chromium's would be.
          expect(socket.authorized).toBe(false);
          socket.end();
          resolve(chain);
        });
        socket.on('error', reject);
      });
      expect(presented).toHaveLength(2);
      expect(chainVerifiesToPinned(HOST, presented, pins(pki.root))).toBe(true);
      expect(chainVerifiesToPinned(HOST, presented, pins(pki.strangerRoot))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// ---------------------------------------------------------------- the session

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
