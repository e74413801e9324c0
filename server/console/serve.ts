import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { ApiError } from '../../api/errors.js';

/**
 * The console calls only its own origin's API; no inline script or style, nothing framed. Agents'
 * WebAuthn needs no source of its own: the browser talks to the key.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), publickey-credentials-get=(self), publickey-credentials-create=()',
  // An agent's screen shows one-time codes: never keep a copy of a page in a cache.
  'cache-control': 'no-store',
};

const NOT_BUILT: ApiError = { error: { code: 'not_found', message: 'the console is not built' } };

/** dist/console from the source tree (server/console/) or from the bundled server (dist/server/lib/). */
function builtConsoleDir(): string | null {
  const candidates = ['../../dist/console/', '../../console/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? null;
}

/** The help-desk console's built files (dist/console), under the relying party's origin so agents' keys work. */
export function registerConsoleApp(app: FastifyInstance): void {
  const root = builtConsoleDir();
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      void reply.headers(SECURITY_HEADERS);
    });
    scope.get('/console', (_request, reply) => reply.redirect('/console/', 301));
    if (!root) {
      // Not built (npm run build:console): a plain 404 in our error envelope, not a stack trace.
      scope.get('/console/*', (_request, reply) => reply.status(404).send(NOT_BUILT));
      return;
    }
    await scope.register(fastifyStatic, { root, prefix: '/console/', index: ['index.html'], wildcard: true, cacheControl: false });
  });
}
