import type { ServerConfig } from '../config.js';

/**
 * The URL a DPoP proof's `htu` must name (RFC 9449 section 4.3, check 9). Behind a proxy that
 * terminates TLS the server sees `http://10.0.0.5:8787/v1/...` while the app signed
 * `https://api.example.com/v1/...`, so the request's own URL cannot decide: the operator states
 * the public URL (FIRSTKEY_PUBLIC_URL), and its origin and path prefix are joined with the route
 * path the request arrived on. Headers the proxy might set (X-Forwarded-Proto, -Host) are not
 * read: one setting decides, and nothing a client sends can move it.
 */
export type ProofUrl = (request: { url: string; protocol: string; host: string }) => string;

/** `https://api.example.com/firstkey/` -> `https://api.example.com/firstkey` (no trailing slash, no query). */
function base(publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The query is left out: htu carries none (RFC 9449 section 4.2), and normaliseHtu drops it on both sides anyway. */
function pathOf(requestUrl: string): string {
  const at = requestUrl.indexOf('?');
  return at === -1 ? requestUrl : requestUrl.slice(0, at);
}

export function proofUrl(publicUrl: string | undefined): ProofUrl {
  if (!publicUrl) return (request) => `${request.protocol}://${request.host}${pathOf(request.url)}`;
  const prefix = base(publicUrl);
  return (request) => `${prefix}${pathOf(request.url)}`;
}

/** The line the server prints at start, so an operator sees which URL proofs must name before the first refusal. */
export function proofUrlNotice(config: Pick<ServerConfig, 'publicUrl' | 'trustedProxies'>, listening: string): string {
  if (config.publicUrl) return `DPoP proofs must name ${base(config.publicUrl)}/... (FIRSTKEY_PUBLIC_URL)`;
  const proxies = config.trustedProxies.length
    ? ' FIRSTKEY_TRUSTED_PROXIES is set but FIRSTKEY_PUBLIC_URL is not: proofs signed for the proxy URL will be refused.'
    : '';
  return `DPoP proofs must name the URL each request arrives on, here ${listening}/...; behind a proxy set FIRSTKEY_PUBLIC_URL.${proxies}`;
}
