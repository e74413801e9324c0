import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { certificateFacts, type CertificateFacts } from './certificate-der.js';

/** TLS server authentication (RFC 5280 id-kp-serverAuth). */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** Longer chains than this are not something an organisation's PKI presents. */
const MAX_CHAIN = 8;
const MIN_RSA_BITS = 2048;
/** Curves of 256 bits or more that Chromium accepts for TLS; anything else is refused. */
const STRONG_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * Whether a chain the server presented is trusted through a pinned certificate
 * when the OS trust store did not trust it: a TLS-inspecting proxy whose root is
 * not installed on this machine, or an internal CA. The same checks a verifier
 * makes, against the pinned set only:
 * - the leaf names the host (subject alternative names only, as Chromium requires)
 *   and, if it restricts its use, allows server authentication;
 * - each certificate is within its validity period and has a strong key
 *   (RSA of 2048 bits or more, EC on P-256, P-384 or P-521);
 * - each is issued by the next, which must be a CA whose key usage allows signing
 *   certificates and whose path length allows the certificates below it, and is
 *   signed with SHA-256 or better (no MD5, no SHA-1);
 * - the walk ends at a certificate that is pinned, or that a pinned CA issued and signed.
 *
 * Chromium may report only the authority as wrong when the date or signature is
 * wrong too, so none of these can be left to it.
 *
 * `chain` is PEM, leaf first, as presented.
 */
export function chainVerifiesToPinned(
  hostname: string,
  chain: readonly string[],
  pinned: readonly X509Certificate[],
  now: Date = new Date(),
): boolean {
  if (chain.length === 0 || chain.length > MAX_CHAIN || pinned.length === 0) return false;
  let certificates: Examined[];
  try {
    certificates = chain.map((pem) => examine(new X509Certificate(pem)));
  } catch {
    return false;
  }
  const [leaf] = certificates;
  if (!leaf || !namesHost(leaf.certificate, hostname) || !allowsServerAuth(leaf.certificate)) return false;

  const anchors = pinned.flatMap((pin) => {
    try {
      return [examine(pin)];
    } catch {
      return [];
    }
  });
  for (const [index, current] of certificates.entries()) {
    if (!isCurrent(current.certificate, now) || !strongKey(current.certificate)) return false;
    // A pinned intermediate was already checked as the issuer of the one below it.
    if (anchors.some((pin) => pin.certificate.fingerprint256 === current.certificate.fingerprint256)) return true;
    if (!current.facts.signatureIsStrong) return false;
    if (anchors.some((pin) => isCurrent(pin.certificate, now) && strongKey(pin.certificate) && issues(pin, current, index))) return true;
    const issuer = certificates[index + 1];
    // `index` intermediates lie below the issuer (the leaf is not counted).
    if (!issuer || !issues(issuer, current, index)) return false;
  }
  return false;
}

interface Examined {
  readonly certificate: X509Certificate;
  readonly facts: CertificateFacts;
}

function examine(certificate: X509Certificate): Examined {
  return { certificate, facts: certificateFacts(certificate.raw) };
}

/** `issuer` signed `subject`, and may: a CA, allowed to sign certificates, with room for the `below` intermediates under it. */
function issues(issuer: Examined, subject: Examined, below: number): boolean {
  return mayIssueAt(issuer, below) && signedBy(subject.certificate, issuer.certificate);
}

function mayIssueAt(issuer: Examined, intermediatesBelow: number): boolean {
  const { pathLength, mayIssueCertificates } = issuer.facts;
  return issuer.certificate.ca && mayIssueCertificates && (pathLength === undefined || intermediatesBelow <= pathLength);
}

function strongKey(certificate: X509Certificate): boolean {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = certificate.publicKey;
  if (type === 'rsa' || type === 'rsa-pss') return (details?.modulusLength ?? 0) >= MIN_RSA_BITS;
  if (type === 'ec') return details?.namedCurve !== undefined && STRONG_CURVES.has(details.namedCurve);
  return false;
}

function namesHost(leaf: X509Certificate, hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return leaf.checkIP(host) !== undefined;
  return leaf.checkHost(host, { subject: 'never' }) !== undefined;
}

function allowsServerAuth(leaf: X509Certificate): boolean {
  // keyUsage here is the extended key usage list; absent means unrestricted.
  const usages = leaf.keyUsage as string[] | undefined;
  return usages === undefined || usages.length === 0 || usages.includes(SERVER_AUTH);
}

function isCurrent(certificate: X509Certificate, now: Date): boolean {
  return certificate.validFromDate <= now && now <= certificate.validToDate;
}

function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
