import { X509Certificate } from 'node:crypto';

export type PemBundleResult = { ok: true; certificates: X509Certificate[] } | { ok: false; detail: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The certificates in a setting's strings, each parsed (once: the network code uses these objects).
 * The strings are read as one text because each store cuts a PEM differently:
 * a JSON array holds one PEM per entry, a REG_MULTI_SZ written by the ADMX text box
 * holds one line per entry, and a REG_SZ may have lost its line breaks.
 * Anything that is not inside a certificate block is refused rather than skipped:
 * a half-pasted certificate must not quietly become no certificate.
 */
export function parsePemBundle(strings: readonly string[]): PemBundleResult {
  const text = strings.join('\n');
  const certificates: X509Certificate[] = [];
  let outside = text;
  let position = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    position += 1;
    outside = outside.replace(match[0], '');
    const body = (match[1] ?? '').replace(/\s+/g, '');
    if (!BASE64_BODY.test(body)) return { ok: false, detail: `certificate ${position} is not base64 between its BEGIN and END lines` };
    try {
      certificates.push(new X509Certificate(Buffer.from(body, 'base64')));
    } catch (cause) {
      return { ok: false, detail: `certificate ${position} does not parse as an X.509 certificate (${(cause as Error).message})` };
    }
  }
  if (outside.trim() !== '') {
    return {
      ok: false,
      detail: /-----BEGIN /.test(outside)
        ? 'holds a PEM block that is not a complete CERTIFICATE (BEGIN without END, or a key)'
        : 'holds text that is not inside a -----BEGIN CERTIFICATE----- block',
    };
  }
  return { ok: true, certificates };
}
