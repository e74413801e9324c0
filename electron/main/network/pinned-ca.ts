import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** TLS server authentication (RFC 5280 id-kp-serverAuth). */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** Longer chains than this are not something an organisation's PKI presents. */
const MAX_CHAIN = 8;

/** Parses the managed configuration's PEM certificates; a bad one is a configuration error, named by index. */
export function parsePinnedCertificates(pems: readonly string[]): X509Certificate[] {
  return pems.map((pem, index) => {
    try {
      return new X509Certificate(pem);
    } catch (cause) {
      throw new Error(`extraCaCertificates[${index}] is not a PEM certificate`, { cause });
    }
  });
}

/**
 * Whether a chain the server presented is trusted through a pinned certificate
 * when the OS trust store did not trust it: a TLS-inspecting proxy whose root is
 * not installed on this machine, or an internal CA. The same checks a verifier
 * makes, against the pinned set only:
 * - the leaf names the host (subject alternative names only, as Chromium requires)
 *   and, if it restricts its use, allows server authentication;
 * - each certificate is within its validity period;
 * - each is issued and signed by the next, which must be a CA;
 * - the walk ends at a certificate that is pinned, or that a pinned CA issued and signed.
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
  let certificates: X509Certificate[];
  try {
    certificates = chain.map((pem) => new X509Certificate(pem));
  } catch {
    return false;
  }
  const [leaf] = certificates;
  if (!leaf || !namesHost(leaf, hostname) || !allowsServerAuth(leaf)) return false;

  for (const [index, certificate] of certificates.entries()) {
    if (!isCurrent(certificate, now)) return false;
    if (pinned.some((pin) => pin.fingerprint256 === certificate.fingerprint256)) return true;
    if (pinned.some((pin) => pin.ca && isCurrent(pin, now) && signedBy(certificate, pin))) return true;
    const issuer = certificates[index + 1];
    if (!issuer?.ca || !signedBy(certificate, issuer)) return false;
  }
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
