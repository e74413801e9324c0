import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { CompleteResponse, CreateSessionResponse, RegistrationOptionsResponse } from '../../api/enrolment.js';
import { DpopKey } from '../support/dpop-key.js';
import { send } from '../support/http-client.js';
import { freePort } from '../support/server-process.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/**
 * The server as `npm run server` and the package's bin run it: bundled by scripts/build-server.mjs
 * and started with plain node, no TypeScript loader. A first enrolment over HTTP proves the bundle
 * whole, and its recovery codes prove the KDF worker is found beside the bundle.
 */

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
// Inside the repository (under the ignored dist/) so the external packages resolve from node_modules.
const OUT = `dist/compiled-server-test-${process.pid}`;
const ADMIN_TOKEN = 'compiled-server-test-admin-token-0123456789';

let dataDir: string;
let child: ChildProcess;
let output = '';
let baseUrl: string;
/** Nothing from the test run's own FIRSTKEY_* settings (a database URL, say): only what is set here. */
const env = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FIRSTKEY_'))),
  FIRSTKEY_DATA_DIR: dataDir,
  FIRSTKEY_ADMIN_TOKEN: ADMIN_TOKEN,
});

beforeAll(async () => {
  await run(process.execPath, ['scripts/build-server.mjs', OUT], { cwd: ROOT });
  dataDir = mkdtempSync(join(os.tmpdir(), 'firstkey-compiled-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [`${OUT}/main.js`], {
    cwd: ROOT,
    env: { ...env(), FIRSTKEY_HOST: '127.0.0.1', FIRSTKEY_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; ; i++) {
    const up = await fetch(`${baseUrl}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) break;
    if (i > 300 || child.exitCode !== null) throw new Error(`the compiled server did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(join(ROOT, OUT), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled server (dist/server)', () => {
  it('runs a first enrolment over HTTP, recovery codes included', async () => {
    const admin = { adminToken: ADMIN_TOKEN };
    expect((await send(baseUrl, 'createUser', { ...admin, body: { username: 'ada.new', displayName: 'Ada Lovelace' } })).status).toBe(201);
    const issued = await send(baseUrl, 'issueCode', { ...admin, body: { username: 'ada.new' } });
    expect(issued.status).toBe(201);
    const key = await DpopKey.create();
    const opened = await send(baseUrl, 'openSession', {
      key,
      body: {
        code: (issued.body as { code: string }).code,
        device: { name: 'compiled-test-laptop', platform: 'linux', osVersion: '6', appVersion: '0.1.0', kind: 'personal' },
      },
    });
    const { token } = CreateSessionResponse.parse(opened.body);
    const optionsReply = await send(baseUrl, 'registrationOptions', { key, token, body: { factor: 'passkey' } });
    const { options } = RegistrationOptionsResponse.parse(optionsReply.body);
    const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: DEMO_ENROLMENT_ORIGIN });
    expect((await send(baseUrl, 'verifyRegistration', { key, token, body: { factor: 'passkey', response } })).status).toBe(201);
    const completed = await send(baseUrl, 'complete', { key, token, body: {} });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(CompleteResponse.parse(completed.body).recoveryCodes).toHaveLength(10);
  });

  it('has a compiled admin CLI that reads the same database', async () => {
    const { stdout } = await run(process.execPath, [`${OUT}/admin.js`, 'list-devices'], { cwd: ROOT, env: env() });
    expect(stdout).toContain('compiled-test-laptop');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
