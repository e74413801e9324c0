import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createRendererAssetHandler } from '../../electron/main/renderer-assets.js';

/**
 * The app's own https origin, served by main from the bundle: the page must get
 * our files with a strict CSP, and nothing else (no other origin, nothing outside
 * the bundle), whatever URL a compromised page or a crafted link asks for.
 */
const ORIGIN = DEMO_ENROLMENT_ORIGIN;
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head><body></body></html>';
const SCRIPT = 'console.log("renderer");';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-BUNDLE';

let parent: string;
let root: string;
let handle: (request: Request) => Promise<Response>;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'firstkey-assets-'));
  root = join(parent, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'x.js'), SCRIPT);
  writeFileSync(join(root, 'assets', 'app.css'), 'body{margin:0}');
  writeFileSync(join(root, 'assets', 'blob.bin'), Buffer.from([0, 1, 2, 3]));
  // Files an attacker would like: next to the bundle, and in a sibling whose name starts with the bundle's.
  writeFileSync(join(parent, 'secret.txt'), SECRET);
  mkdirSync(join(parent, 'renderer-private'));
  writeFileSync(join(parent, 'renderer-private', 'secret.txt'), SECRET);
  handle = createRendererAssetHandler(root, ORIGIN);
});

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

const get = (url: string, init?: RequestInit) => handle(new Request(url, init));

function cspDirectives(response: Response): Map<string, string[]> {
  const csp = response.headers.get('content-security-policy') ?? '';
  const directives = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

async function expectNotFound(response: Response): Promise<void> {
  expect(response.status).toBe(404);
  const body = await response.text();
  expect(body).not.toContain(SECRET);
  expect(body).not.toContain('<script');
}

describe('serving the bundle', () => {
  it("serves index.html at '/' as HTML with the security headers", async () => {
    const response = await get(`${ORIGIN}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(await response.text()).toBe(INDEX);
  });

  it('sends a CSP that forbids inline script and any network access from the page', async () => {
    const response = await get(`${ORIGIN}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = cspDirectives(response);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-hashes');
    expect(csp).not.toMatch(/\*/);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // No frame may be loaded at all: frame-src is not loosened and falls back to default-src 'none'.
    expect(directives.has('frame-src')).toBe(false);
    expect(directives.has('child-src')).toBe(false);
  });

  it('does not let the page turn off WebAuthn for itself but denies camera, microphone, location', async () => {
    const policy = (await get(`${ORIGIN}/`)).headers.get('permissions-policy') ?? '';
    expect(policy).toContain('camera=()');
    expect(policy).toContain('microphone=()');
    expect(policy).toContain('geolocation=()');
    expect(policy).toContain('publickey-credentials-create=(self)');
  });

  it('serves scripts, styles and other files with their content types and nosniff', async () => {
    const js = await get(`${ORIGIN}/assets/x.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(js.headers.get('content-security-policy')).toBe((await get(`${ORIGIN}/`)).headers.get('content-security-policy'));
    expect(await js.text()).toBe(SCRIPT);

    const css = await get(`${ORIGIN}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

    const bin = await get(`${ORIGIN}/assets/blob.bin`);
    expect(bin.status).toBe(200);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 3]));
  });

  it('ignores query strings and fragments', async () => {
    const response = await get(`${ORIGIN}/?code=ABCD-EFGH#step-2`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX);
  });

  it('404s a missing file, with the security headers still on', async () => {
    const response = await get(`${ORIGIN}/assets/missing.js`);
    await expectNotFound(response);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('404s a directory', async () => {
    await expectNotFound(await get(`${ORIGIN}/assets`));
    await expectNotFound(await get(`${ORIGIN}/assets/`));
  });
});

describe('serving nothing else', () => {
  it.each([
    ['another https origin', 'https://evil.example/'],
    ['http on our host', 'http://enrol.firstkey.test/'],
    ['our host on another port', 'https://enrol.firstkey.test:8443/'],
    ['a lookalike host', 'https://enrol.firstkey.test.evil.example/'],
    ['a subdomain of ours', 'https://www.enrol.firstkey.test/'],
    ['the verification API', 'http://127.0.0.1:8787/v1/sessions'],
  ])('404s a request for %s, even for a file that exists', async (_label, url) => {
    await expectNotFound(await get(url));
    await expectNotFound(await get(new URL('/assets/x.js', url).href));
  });

  it('treats the default port as our origin', async () => {
    expect((await get('https://enrol.firstkey.test:443/assets/x.js')).status).toBe(200);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])('404s %s', async (method) => {
    const init: RequestInit = method === 'HEAD' || method === 'OPTIONS' ? { method } : { method, body: 'x' };
    await expectNotFound(await get(`${ORIGIN}/`, init));
    await expectNotFound(await get(`${ORIGIN}/assets/x.js`, init));
  });

  it.each([
    ['dot segments', '/../secret.txt'],
    ['dot segments from a subfolder', '/assets/../../secret.txt'],
    ['percent-encoded dots', '/%2e%2e/secret.txt'],
    ['upper-case percent-encoded dots', '/%2E%2E/%2E%2E/secret.txt'],
    ['an encoded slash', '/..%2fsecret.txt'],
    ['encoded dots and slash', '/%2e%2e%2fsecret.txt'],
    ['encoded slashes all the way', '/assets%2f..%2f..%2fsecret.txt'],
    ['double encoding', '/%252e%252e%252fsecret.txt'],
    ['a backslash', '/..%5csecret.txt'],
    ['an absolute path', '/%2fetc%2fpasswd'],
    ['a sibling folder sharing the bundle name as prefix', '/..%2frenderer-private%2fsecret.txt'],
    ['a NUL byte', '/index.html%00.js'],
  ])('404s path traversal: %s', async (_label, path) => {
    await expectNotFound(await get(`${ORIGIN}${path}`));
  });

  it('never serves a file outside the bundle through a malformed percent-escape', async () => {
    // A broken escape cannot be decoded: the handler answers 404 rather than failing the request.
    await expectNotFound(await get(`${ORIGIN}/%E0%A4%A`));
  });
});
