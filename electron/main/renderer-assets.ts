import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * No inline script or style, no network from the page (connect-src 'none'): every
 * API call goes through main. WebAuthn needs none of these sources.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), publickey-credentials-get=(self), publickey-credentials-create=(self)',
};

/**
 * Serves the bundled renderer under the enrolment origin, and nothing else: a
 * request for any other origin, or a path outside the bundle, gets 404. Main
 * installs this with `protocol.handle('https', ...)`; the end-to-end tests install
 * the very same function as Chromium's request handler.
 */
export function createRendererAssetHandler(rootDir: string, origin: string) {
  const root = normalize(rootDir + sep);
  return async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.origin !== origin || request.method !== 'GET') return notFound();
    try {
      const path = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
      const file = normalize(join(root, path));
      if (!file.startsWith(root)) return notFound();
      const body = await readFile(file);
      return new Response(body, {
        status: 200,
        headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS },
      });
    } catch {
      return notFound();
    }
  };
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain', ...SECURITY_HEADERS } });
}
