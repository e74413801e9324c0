import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The software key's attestation: its own test CA (a root) and, per AAGUID, a
 * batch attestation certificate as WebAuthn's packed format asks (section
 * 8.2.1): subject C, O, OU "Authenticator Attestation" and CN; basic
 * constraints CA:false; the id-fido-gen-ce-aaguid extension
 * (1.3.6.1.4.1.45724.1.1.4, not critical) holding the AAGUID as an OCTET STRING.
 *
 * Made by the openssl command line, as test/support/make-mds-blob.ts makes its
 * PKI: the certificates are then encoded by a widely used X.509 implementation
 * rather than by DER code of our own, which would otherwise be checked only by
 * the parsers it was written against. It costs a few openssl runs once per test
 * process (the root) and once per AAGUID (its certificate); both are cached.
 *
 * Validity 2025-01-01 to 2040-01-01, as make-mds-blob's, so tests on a fixed
 * clock (TEST_NOW, 2030) and on the machine's clock both fall inside it.
 */

export interface AttestationIdentity {
  /** PEM of the test CA's root: the trust anchor a server under test is given. */
  rootPem: string;
  /** DER of the attestation certificate (attStmt.x5c[0]). */
  certificate: Uint8Array;
  /** The attestation certificate's private key (P-256), which signs attStmt.sig. */
  privateKey: KeyObject;
}

const FROM = '20250101000000Z';
const TO = '20400101000000Z';

const CONFIG = `
[ca]
default_ca = soft_key_ca

[soft_key_ca]
dir = .
database = ./index.txt
new_certs_dir = ./issued
serial = ./serial
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no
copy_extensions = none

[any_name]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied

[ext_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ext_attestation]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

interface Root {
  pem: string;
  keyPem: string;
}

let root: Root | null = null;
const issued = new Map<string, AttestationIdentity>();
let serial = 0x2000;

function inTempDir<T>(work: (dir: string, run: (args: string[]) => void) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-soft-key-ca-'));
  try {
    mkdirSync(join(dir, 'issued'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), `${(serial++).toString(16)}\n`);
    const run = (args: string[]) => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    };
    return work(dir, run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function theRoot(): Root {
  if (root) return root;
  root = inTempDir((dir, run) => {
    writeFileSync(join(dir, 'ca.cnf'), CONFIG);
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'root.key']);
    run([
      'req',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/C=AA/O=FirstKey Tests/OU=Authenticator Attestation/CN=FirstKey Soft Key Root',
      '-out',
      'root.csr',
    ]);
    run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-selfsign',
      '-keyfile',
      'root.key',
      '-startdate',
      FROM,
      '-enddate',
      TO,
      '-extensions',
      'ext_root',
      '-in',
      'root.csr',
      '-out',
      'root.pem',
    ]);
    return { pem: readFileSync(join(dir, 'root.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'root.key'), 'utf8') };
  });
  return root;
}

/** The AAGUID extension's value: an OCTET STRING of the 16 bytes, in openssl's DER: notation. */
function aaguidExtension(aaguid: string): string {
  const hex = aaguid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new TypeError(`not an AAGUID: ${aaguid}`);
  return `1.3.6.1.4.1.45724.1.1.4 = DER:04:10:${hex.match(/../g)?.join(':') ?? ''}`;
}

/** The test CA's root and an attestation certificate for this AAGUID (made once per process). */
export function attestationIdentity(aaguid: string): AttestationIdentity {
  const key = aaguid.toLowerCase();
  const known = issued.get(key);
  if (known) return known;
  const ca = theRoot();
  const identity = inTempDir((dir, run) => {
    // [ext_attestation] is the configuration's last section, so the AAGUID line appended belongs to it.
    writeFileSync(join(dir, 'ca.cnf'), `${CONFIG}${aaguidExtension(key)}\n`);
    writeFileSync(join(dir, 'root.pem'), ca.pem);
    writeFileSync(join(dir, 'root.key'), ca.keyPem);
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'att.key']);
    run([
      'req',
      '-new',
      '-key',
      'att.key',
      '-subj',
      '/C=AA/O=FirstKey Tests/OU=Authenticator Attestation/CN=FirstKey Soft Key Batch 1',
      '-out',
      'att.csr',
    ]);
    run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-cert',
      'root.pem',
      '-keyfile',
      'root.key',
      '-startdate',
      FROM,
      '-enddate',
      TO,
      '-extensions',
      'ext_attestation',
      '-in',
      'att.csr',
      '-out',
      'att.pem',
    ]);
    const certificate = new X509Certificate(readFileSync(join(dir, 'att.pem')));
    return {
      rootPem: ca.pem,
      certificate: new Uint8Array(certificate.raw),
      privateKey: createPrivateKey(readFileSync(join(dir, 'att.key'), 'utf8')),
    };
  });
  issued.set(key, identity);
  return identity;
}

/** The test CA's root alone (PEM), for a server's trust anchors. */
export function attestationRootPem(): string {
  return theRoot().pem;
}
