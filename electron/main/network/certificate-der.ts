// Node's X509Certificate says nothing of a certificate's signature algorithm (on
// the Node that Electron embeds), path length or key usage bits, and the pinned-CA
// check needs all three. This reads just those fields from the DER, refusing
// (throwing) on anything it does not understand rather than guessing.

interface Tlv {
  readonly tag: number;
  readonly content: Buffer;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;
/** [3] EXPLICIT, constructed: the extensions of a v3 TBSCertificate. */
const EXTENSIONS_TAG = 0xa3;
/** [0] EXPLICIT, constructed: RSASSA-PSS's hashAlgorithm. */
const PSS_HASH_TAG = 0xa0;

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** Signatures with a collision-resistant hash; everything else (MD5, SHA-1, unknown) is refused. */
const STRONG_SIGNATURES: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
]);
/** RSASSA-PSS is as strong as its hash; its default hash is SHA-1. */
const STRONG_PSS_HASHES: ReadonlySet<string> = new Set([
  '2.16.840.1.101.3.4.2.1', // SHA-256
  '2.16.840.1.101.3.4.2.2', // SHA-384
  '2.16.840.1.101.3.4.2.3', // SHA-512
]);

export class CertificateDerError extends Error {
  override name = 'CertificateDerError';
}

function readTlv(buffer: Buffer, offset: number): { tlv: Tlv; next: number } {
  const tag = buffer[offset];
  let lengthByte = buffer[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new CertificateDerError('truncated');
  if ((tag & 0x1f) === 0x1f) throw new CertificateDerError('high tag numbers are not used in certificates');
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const octets = lengthByte & 0x7f;
    if (octets === 0 || octets > 4) throw new CertificateDerError('unsupported length');
    length = 0;
    for (let i = 0; i < octets; i += 1) {
      lengthByte = buffer[start + i];
      if (lengthByte === undefined) throw new CertificateDerError('truncated');
      length = length * 256 + lengthByte;
    }
    start += octets;
  }
  const end = start + length;
  if (end > buffer.length) throw new CertificateDerError('truncated');
  return { tlv: { tag, content: buffer.subarray(start, end) }, next: end };
}

function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < content.length;) {
    const { tlv, next } = readTlv(content, offset);
    out.push(tlv);
    offset = next;
  }
  return out;
}

function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv?.tag !== tag) throw new CertificateDerError(`${what} is missing or malformed`);
  return tlv;
}

function decodeOid(content: Buffer): string {
  const [first, ...rest] = content;
  if (first === undefined) throw new CertificateDerError('empty OID');
  const arcs = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (const byte of rest) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

function algorithmOid(identifier: Tlv): { oid: string; parameters: Tlv | undefined } {
  const [oid, parameters] = children(expect(identifier, SEQUENCE, 'AlgorithmIdentifier').content);
  return { oid: decodeOid(expect(oid, OID, 'algorithm OID').content), parameters };
}

/** The facts the pinned-CA check needs that Node's X509Certificate does not give. */
export interface CertificateFacts {
  /** The outer signatureAlgorithm: what the issuer signed this certificate with. */
  readonly signatureIsStrong: boolean;
  /** basicConstraints' pathLenConstraint, when the certificate has one. */
  readonly pathLength: number | undefined;
  /** Whether keyUsage allows signing certificates; true when keyUsage is absent (RFC 5280: then unrestricted). */
  readonly mayIssueCertificates: boolean;
}

function strongSignature(identifier: Tlv): boolean {
  const { oid, parameters } = algorithmOid(identifier);
  if (STRONG_SIGNATURES.has(oid)) return true;
  if (oid !== RSASSA_PSS || parameters?.tag !== SEQUENCE) return false;
  const hash = children(parameters.content).find((field) => field.tag === PSS_HASH_TAG);
  if (!hash) return false;
  const [hashAlgorithm] = children(hash.content);
  return hashAlgorithm !== undefined && STRONG_PSS_HASHES.has(algorithmOid(hashAlgorithm).oid);
}

function extensions(tbs: Tlv): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const block = children(tbs.content).find((field) => field.tag === EXTENSIONS_TAG);
  if (!block) return found;
  const [list] = children(block.content);
  for (const extension of children(expect(list, SEQUENCE, 'extensions').content)) {
    const fields = children(expect(extension, SEQUENCE, 'extension').content);
    const id = decodeOid(expect(fields[0], OID, 'extension id').content);
    const value = expect(fields.at(-1), OCTET_STRING, 'extension value');
    if (found.has(id)) throw new CertificateDerError(`extension ${id} appears twice`);
    found.set(id, value.content);
  }
  return found;
}

function pathLength(value: Buffer | undefined): number | undefined {
  if (!value) return undefined;
  const fields = children(expect(readTlv(value, 0).tlv, SEQUENCE, 'basicConstraints').content);
  const limit = fields.find((field) => field.tag === INTEGER);
  if (!limit) return undefined;
  if (limit.content.length > 2 || (limit.content[0] ?? 0x80) & 0x80) throw new CertificateDerError('pathLenConstraint out of range');
  return limit.content.readUIntBE(0, limit.content.length);
}

function mayIssueCertificates(value: Buffer | undefined): boolean {
  if (!value) return true;
  const bits = expect(readTlv(value, 0).tlv, BIT_STRING, 'keyUsage').content;
  // Byte 0 counts unused bits; keyCertSign is bit 5, counted from the most significant bit of byte 1.
  return ((bits[1] ?? 0) & 0x04) !== 0;
}

/** Reads the facts from a certificate's DER (X509Certificate.raw). Throws CertificateDerError on anything malformed. */
export function certificateFacts(der: Buffer): CertificateFacts {
  const [tbs, signatureAlgorithm] = children(expect(readTlv(der, 0).tlv, SEQUENCE, 'Certificate').content);
  const tbsCertificate = expect(tbs, SEQUENCE, 'TBSCertificate');
  const found = extensions(tbsCertificate);
  return {
    signatureIsStrong: strongSignature(expect(signatureAlgorithm, SEQUENCE, 'signatureAlgorithm')),
    pathLength: pathLength(found.get(BASIC_CONSTRAINTS)),
    mayIssueCertificates: mayIssueCertificates(found.get(KEY_USAGE)),
  };
}
