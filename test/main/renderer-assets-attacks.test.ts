import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, createRendererAssetHandler } from '../../electron/main/renderer-assets.js';

/**
 * What a page that got script injected, or a hostile file in the bundle, would try: the headers on
 * every answer are what keeps such script from loading more, framing us, or being sniffed into
 * something else, so each is pinned exactly, on files of every type and on the 404.
 */

const ORIGIN = 'https://enrol.firstkey.test';
let root: string;
let handle: (request: Request) => Promise<Response>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'firstkey-assets-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>FirstKey</title>');
  for (const name of ['logo.svg', 'logo.png', 'font.woff2', 'strings.json']) writeFileSync(join(root, 'assets', name), 'x');
  handle = createRendererAssetHandler(root, ORIGIN);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string) => handle(new Request(`${ORIGIN}${path}`));

describe('headers an injected script runs into', () => {
  it('the CSP is exactly the one written down: nothing inline, nothing remote, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      [
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
      ].join('; '),
    );
  });

  it.each([
    ['/assets/logo.svg', 'image/svg+xml'],
    ['/assets/logo.png', 'image/png'],
    ['/assets/font.woff2', 'font/woff2'],
    ['/assets/strings.json', 'application/json'],
    ['/', 'text/html; charset=utf-8'],
  ])('serves %s as %s with every security header', async (path, type) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toEqual({
      'content-type': type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy':
        'camera=(), microphone=(), geolocation=(), publickey-credentials-get=(self), publickey-credentials-create=(self)',
    });
  });

  it('the 404 is plain text that says only "not found", with the same headers', async () => {
    const response = await get('/assets/../../etc/passwd');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not found');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});
