import { execFileSync } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, importPKCS8 } from 'jose';

/**
 * Test tooling: a small public-key infrastructure made with the openssl CLI in a
 * temporary directory, and FIDO Metadata Service (MDS3) BLOBs signed with it by jose.
 *
 * - `fidoRoot`: the root the server is configured with (stands in for GlobalSign Root CA - R3);
 *   it issues an intermediate, which issues the BLOB signing certificates (EC P-256 and RSA).
 * - `otherRoot`: an unrelated root with the same shape, for "chains to another root".
 * - `model`: a fake authenticator model: its attestation root (listed in the BLOB),
 *   a batch intermediate and an attestation certificate (the x5c a registration would carry).
 *
 * Every certificate is valid from 2025-01-01 to 2040-01-01 (fixed dates, through `openssl ca`),
 * so tests run against an injected clock, not the machine's.
 */

export const VALID_FROM = new Date('2025-01-01T00:00:00Z');
export const VALID_TO = new Date('2040-01-01T00:00:00Z');
/** A moment inside every certificate's validity, used as the tests' `now`. */
export const TEST_NOW = new Date('2030-06-01T12:00:00Z');

export interface IssuedCert {
  /** PKCS#8 PEM of the certificate's private key. */
  keyPem: string;
  pem: string;
  der: Uint8Array;
  x509: X509Certificate;
}

export interface FakeAuthenticatorModel {
  aaguid: string;
  name: string;
  root: IssuedCert;
  intermediate: IssuedCert;
  attestation: IssuedCert;
  /** What attStmt.x5c would hold: attestation certificate, then the batch intermediate. */
  x5c: Uint8Array[];
}

export interface StatusReportInput {
  status: string;
  effectiveDate?: string;
}

export interface MdsEntryInput {
  aaguid: string;
  description: string;
  icon?: string;
  /** DER certificates for attestationRootCertificates. */
  roots: Uint8Array[];
  statusReports: StatusReportInput[];
}

export interface BlobOptions {
  no?: number;
  /** Default: a month after TEST_NOW. */
  nextUpdate?: string;
  /** Default: one entry for `model`, certified. */
  entries?: MdsEntryInput[];
  /** Append this status report (e.g. REVOKED) to the model's entry. */
  modelStatus?: StatusReportInput;
  /** Sign with a key that is not the signing certificate's: the signature does not verify. */
  badSignature?: boolean;
  /** Signing chain under `otherRoot` instead of `fidoRoot`. */
  chainTo?: 'fido' | 'other';
  /** ES256 with the EC signer (default) or RS256 with the RSA signer. */
  alg?: 'ES256' | 'RS256';
  /** Replaces the whole payload (for malformed payloads); signed normally. */
  rawPayload?: unknown;
  /** Leave the x5c header out (the BLOB is then meant to be signed by the root itself). */
  omitX5c?: boolean;
  /** Put the root certificate at the end of x5c too, as some signers do. */
  includeRoot?: boolean;
}

export interface MdsWorld {
  dir: string;
  fidoRoot: IssuedCert;
  fidoIntermediate: IssuedCert;
  signerEc: IssuedCert;
  signerRsa: IssuedCert;
  otherRoot: IssuedCert;
  otherSigner: IssuedCert;
  model: FakeAuthenticatorModel;
  /** An attestation certificate under the model's intermediate that expired before TEST_NOW. */
  expiredAttestation: IssuedCert;
  /**
   * x5c of a certificate signed by an end-entity certificate (CA:false, no keyUsage) under the
   * model's intermediate: every signature verifies, but the middle link may not issue certificates.
   */
  issuedByLeafX5c: Uint8Array[];
  modelEntry(reports?: StatusReportInput[]): MdsEntryInput;
  makeBlob(options?: BlobOptions): Promise<string>;
  /** Writes text to a file in the world's directory and returns its path. */
  writeFile(name: string, text: string): string;
  cleanup(): void;
}

const CA_CONFIG = `
[ca]
default_ca = test_ca

[test_ca]
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

[ext_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ext_leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ext_plain]
basicConstraints = critical, CA:false
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** openssl ca wants GeneralizedTime-like YYYYMMDDHHMMSSZ. */
function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

class OpenSslCa {
  private count = 0;
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'issued'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  }

  private run(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** A certificate for a fresh key, signed by `issuer` (or self-signed when there is none). */
  /** `plain`: CA:false and no keyUsage, so only the CA flag says it may not issue certificates. */
  issue(opts: {
    subject: string;
    issuer?: IssuedCert;
    ca: boolean;
    plain?: boolean;
    key?: 'ec' | 'rsa';
    from?: Date;
    to?: Date;
  }): IssuedCert {
    const n = ++this.count;
    const key = `k${n}.pem`;
    const csr = `r${n}.csr`;
    const crt = `c${n}.pem`;
    if (opts.key === 'rsa') this.run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    else this.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    this.run(['req', '-new', '-key', key, '-subj', opts.subject, '-out', csr]);
    const signing = opts.issuer
      ? (() => {
          writeFileSync(join(this.dir, `ik${n}.pem`), opts.issuer.keyPem);
          writeFileSync(join(this.dir, `ic${n}.pem`), opts.issuer.pem);
          return ['-cert', `ic${n}.pem`, '-keyfile', `ik${n}.pem`];
        })()
      : ['-selfsign', '-keyfile', key];
    this.run([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-md',
      'sha256',
      '-startdate',
      asn1Time(opts.from ?? VALID_FROM),
      '-enddate',
      asn1Time(opts.to ?? VALID_TO),
      '-extensions',
      opts.ca ? 'ext_ca' : opts.plain ? 'ext_plain' : 'ext_leaf',
      ...signing,
      '-in',
      csr,
      '-out',
      crt,
    ]);
    const pem = readFileSync(join(this.dir, crt), 'utf8');
    const x509 = new X509Certificate(pem);
    return { keyPem: readFileSync(join(this.dir, key), 'utf8'), pem, der: new Uint8Array(x509.raw), x509 };
  }
}

function b64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64');
}

const DAY_MS = 24 * 60 * 60 * 1000;
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
export function daysFrom(d: Date, days: number): string {
  return isoDay(new Date(d.getTime() + days * DAY_MS));
}

/** A 1x1 transparent PNG as a data: URL, the form MDS3 icons take. */
export const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export function createMdsWorld(): MdsWorld {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-mds-'));
  try {
    const ca = new OpenSslCa(join(dir, 'pki'));
    const fidoRoot = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=Test FIDO Root', ca: true });
    const fidoIntermediate = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=Test FIDO Intermediate', issuer: fidoRoot, ca: true });
    const signerEc = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=mds.test (EC)', issuer: fidoIntermediate, ca: false });
    const signerRsa = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=mds.test (RSA)', issuer: fidoIntermediate, ca: false, key: 'rsa' });
    // Same names as the real chain, different keys: only the signatures tell them apart.
    const otherRoot = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=Test FIDO Root', ca: true });
    const otherIntermediate = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=Test FIDO Intermediate', issuer: otherRoot, ca: true });
    const otherSigner = ca.issue({ subject: '/C=AA/O=FirstKey Tests/CN=mds.test (EC)', issuer: otherIntermediate, ca: false });

    const modelRoot = ca.issue({ subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key Co Attestation Root', ca: true });
    const modelIntermediate = ca.issue({
      subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key Co Batch 7',
      issuer: modelRoot,
      ca: true,
    });
    const attestation = ca.issue({
      subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key 5',
      issuer: modelIntermediate,
      ca: false,
    });
    const expiredAttestation = ca.issue({
      subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key 4',
      issuer: modelIntermediate,
      ca: false,
      to: new Date('2026-01-01T00:00:00Z'),
    });

    const plainLeaf = ca.issue({
      subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key 6',
      issuer: modelIntermediate,
      ca: false,
      plain: true,
    });
    const issuedByLeaf = ca.issue({
      subject: '/C=AA/O=Fake Key Co/OU=Authenticator Attestation/CN=Fake Key 6 child',
      issuer: plainLeaf,
      ca: false,
    });

    const model: FakeAuthenticatorModel = {
      aaguid: randomUUID(),
      name: 'Fake Key 5 NFC',
      root: modelRoot,
      intermediate: modelIntermediate,
      attestation,
      x5c: [attestation.der, modelIntermediate.der],
    };

    const modelEntry = (reports: StatusReportInput[] = [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2025-03-01' }]): MdsEntryInput => ({
      aaguid: model.aaguid,
      description: model.name,
      icon: TINY_PNG,
      roots: [modelRoot.der],
      statusReports: reports,
    });

    const makeBlob = async (options: BlobOptions = {}): Promise<string> => {
      const base = options.entries ?? [modelEntry()];
      const entries = options.modelStatus
        ? base.map((e) =>
            e.aaguid === model.aaguid ? { ...e, statusReports: [...e.statusReports, options.modelStatus as StatusReportInput] } : e,
          )
        : base;
      const payload = options.rawPayload ?? {
        legalHeader: 'Test data made by FirstKey tests; not FIDO Alliance metadata.',
        no: options.no ?? 42,
        nextUpdate: options.nextUpdate ?? daysFrom(TEST_NOW, 30),
        entries: entries.map((e) => ({
          aaguid: e.aaguid,
          metadataStatement: {
            legalHeader: 'test',
            aaguid: e.aaguid,
            description: e.description,
            authenticatorVersion: 1,
            protocolFamily: 'fido2',
            schema: 3,
            ...(e.icon ? { icon: e.icon } : {}),
            attestationRootCertificates: e.roots.map(b64),
          },
          statusReports: e.statusReports,
          timeOfLastStatusChange: '2025-03-01',
        })),
      };
      const alg = options.alg ?? 'ES256';
      const chain =
        options.chainTo === 'other' ? [otherSigner, otherIntermediate] : [alg === 'RS256' ? signerRsa : signerEc, fidoIntermediate];
      const leaf = chain[0] as IssuedCert;
      const signingKeyPem = options.badSignature
        ? // Same curve and algorithm, unrelated key: the BLOB looks right but its signature is not the certificate's.
          (alg === 'RS256' ? ca.issue({ subject: '/CN=stray', ca: false, key: 'rsa' }) : ca.issue({ subject: '/CN=stray', ca: false }))
            .keyPem
        : leaf.keyPem;
      const x5c = [...chain, ...(options.includeRoot ? [options.chainTo === 'other' ? otherRoot : fidoRoot] : [])].map((c) => b64(c.der));
      const header = { alg, typ: 'JWT', ...(options.omitX5c ? {} : { x5c }) };
      return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(header)
        .sign(await importPKCS8(signingKeyPem, alg));
    };

    return {
      dir,
      fidoRoot,
      fidoIntermediate,
      signerEc,
      signerRsa,
      otherRoot,
      otherSigner,
      model,
      expiredAttestation,
      issuedByLeafX5c: [issuedByLeaf.der, plainLeaf.der, modelIntermediate.der],
      modelEntry,
      makeBlob,
      writeFile: (name, text) => {
        const path = join(dir, name);
        writeFileSync(path, text);
        return path;
      },
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
