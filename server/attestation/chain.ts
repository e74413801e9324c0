import { X509Certificate } from 'node:crypto';

/**
 * X.509 path checks shared by the metadata BLOB loader and the attestation
 * trust check, on node:crypto alone (OpenSSL underneath). A deliberately
 * small subset of RFC 5280 path validation: signatures, issuer/subject
 * linkage (OpenSSL's X509_check_issued also compares key identifiers and
 * refuses an issuer whose keyUsage lacks keyCertSign), CA flags on issuers,
 * validity at an injected time. Not done: revocation (CRL/OCSP: no network),
 * name constraints, path-length constraints, policy OIDs.
 */

export type ChainCheck = { ok: true; anchor: X509Certificate } | { ok: false; problem: string };

/** Certificates in the order a JOSE x5c header or a WebAuthn attStmt.x5c gives them: leaf first. */
export function parseCertificates(ders: readonly Uint8Array[]): X509Certificate[] {
  return ders.map((der) => new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)));
}

export function describe(cert: X509Certificate): string {
  // A TPM attestation certificate has an empty subject: fall back to the serial number.
  const subject = cert.subject ? cert.subject.replace(/\n/g, ', ') : '';
  return subject ? `"${subject}"` : `serial ${cert.serialNumber}`;
}

export function validAt(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isNaN(from) || Number.isNaN(to)) return false;
  const t = now.getTime();
  return from <= t && t <= to;
}

/** `issuer` signed `cert`, and may sign certificates at all. */
export function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  if (!issuer.ca) return false;
  if (!cert.checkIssued(issuer)) return false;
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * RFC 5280 section 6.1.1 (d): a trust anchor is a name and a public key, not a
 * particular encoding. A certificate with the anchor's subject and key is the
 * anchor, however often it was re-issued (authenticators that mint their batch
 * certificate on the fly present a new encoding of the same key each time).
 */
function isAnchor(anchor: X509Certificate, cert: X509Certificate): boolean {
  return anchor.raw.equals(cert.raw) || (anchor.subject === cert.subject && anchor.publicKey.equals(cert.publicKey));
}

/**
 * Walks `chain` from its leaf upwards until it reaches one of `anchors`:
 * either a certificate of the chain is itself an anchor (a trust anchor may be
 * a root, an intermediate or even the leaf), or an anchor issued the current
 * certificate. Every certificate on the path, the anchor included, must be
 * valid at `now`. Certificates above the point where an anchor is reached are
 * ignored, as a path builder would.
 */
export function chainToAnchor(chain: readonly X509Certificate[], anchors: readonly X509Certificate[], now: Date): ChainCheck {
  if (chain.length === 0) return { ok: false, problem: 'no certificates to check' };
  if (anchors.length === 0) return { ok: false, problem: 'no trust anchors' };
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (!cert) break;
    if (!validAt(cert, now)) return { ok: false, problem: `certificate ${describe(cert)} is not valid at ${now.toISOString()}` };
    const itself = anchors.find((a) => isAnchor(a, cert));
    if (itself) return { ok: true, anchor: itself };
    const issuers = anchors.filter((a) => issued(a, cert));
    const current = issuers.find((a) => validAt(a, now));
    if (current) return { ok: true, anchor: current };
    const stale = issuers[0];
    if (stale) return { ok: false, problem: `trust anchor ${describe(stale)} is not valid at ${now.toISOString()}` };
    const next = chain[i + 1];
    if (!next) return { ok: false, problem: `certificate ${describe(cert)} was not issued by a trust anchor` };
    if (!issued(next, cert))
      return { ok: false, problem: `certificate ${describe(cert)} was not issued by the next certificate in the chain, ${describe(next)}` };
  }
  return { ok: false, problem: 'the chain does not reach a trust anchor' };
}
