import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

// Certificates are real, made with openssl for each run of a test file.
export const HOST = 'api.corp.example';

let dir = '';

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

export interface Pki {
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
  /** The private key of `leaf`, for a TLS server that presents it. */
  leafKey: Buffer;
}

const RSA = (bits: number) => ['-newkey', `rsa:${bits}`];

function makePki(): Pki {
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
  return {
    leafKey: readFileSync(join(dir, 'leaf.key')),
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
}

/**
 * A corporate PKI, made with openssl for the test file's run (before all its tests, removed after): a root
 * and intermediate that pin, the certificates a proxy or an attacker could present, and weak ones.
 */
export function usePki(): Pki {
  // Filled in before the first test, as a `let` assigned in beforeAll would be, so tests read `pki.root` as before.
  const pki = {} as Pki;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'firstkey-pki-'));
    Object.assign(pki, makePki());
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return pki;
}

/** Certificates as managed configuration's pins hold them. */
export const pins = (...pems: string[]) => pems.map((pem) => new X509Certificate(pem));
