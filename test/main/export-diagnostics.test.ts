import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createApiClient } from '../../electron/main/api-client.js';
import {
  collectDiagnostics,
  createDiagnosticsExport,
  formatDiagnostics,
  saveToChosenFile,
  type DiagnosticsDeps,
} from '../../electron/main/diagnostics.js';
import { KeytarSecretStore } from '../../electron/main/device/secret-store.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { REDACTED } from '../../electron/main/log/redact.js';
import { createDispatcher } from '../../electron/main/ipc/dispatcher.js';
import type { RunningServer } from '../../server/start.js';
import { requireKeychain } from '../support/require-keychain.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { DEVICE, deviceProofSigner, MemorySecretStore } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';

/**
 * Issue 10, "Export diagnostics": the help desk's report. It has each section
 * (versions, configuration, recent log, keychain, server), and it never holds
 * what would let someone else enrol or sign in, even when a log line did.
 */
let server: RunningServer;
let silent: Server;
let silentUrl: string;
const keychain = new KeytarSecretStore();

beforeAll(async () => {
  await requireKeychain(keychain);
  server = await startDemoServer();
  // A server that accepts the connection and never answers: what a stalled proxy looks like.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
  await server.close();
});

const VERSIONS = { app: '0.1.0-test', electron: '45.0.0', chrome: '142.0.0.0', node: process.versions.node };

function deps(overrides: Partial<DiagnosticsDeps> = {}): DiagnosticsDeps {
  return {
    versions: VERSIONS,
    config: { serverUrl: server.url, enrolmentOrigin: DEMO_ENROLMENT_ORIGIN, kiosk: false },
    readRecentLogLines: () => Promise.resolve(['2026-11-23T12:00:00.000Z info app started']),
    secretStore: keychain,
    serverUrl: server.url,
    timeoutMs: 500,
    ...overrides,
  };
}

/** A whole first enrolment through main, keeping every secret it used: the code, tokens, DPoP proofs, recovery codes. */
async function journeySecrets(): Promise<string[]> {
  const secrets: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    for (const name of ['dpop', 'authorization']) {
      const value = headers.get(name);
      if (value) secrets.push(value.replace(/^DPoP /, ''));
    }
    return fetch(input, init);
  };
  const api = createApiClient({ baseUrl: server.url, signProof: deviceProofSigner(), fetch: recordingFetch });
  const recording: typeof api = {
    call: async (name, input) => {
      const result: unknown = await api.call(name, input);
      if (result && typeof result === 'object' && 'token' in result && typeof result.token === 'string') secrets.push(result.token);
      return result as never;
    },
  };
  const controller = new EnrolmentController(recording, DEVICE);
  const { code } = await newEnrolee(server);
  secrets.push(code);
  await controller.handlers.startSession({ code });
  const options = await controller.handlers.registrationOptions({ factor: 'passkey' });
  const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: DEMO_ENROLMENT_ORIGIN });
  await controller.handlers.verifyRegistration({ factor: 'passkey', response });
  const done = await controller.handlers.completeSession(undefined);
  secrets.push(...(done.recoveryCodes ?? []));
  expect(done.recoveryCodes?.length).toBeGreaterThan(0);
  return secrets;
}

describe('Export diagnostics', () => {
  it('has each section: versions, operating system, configuration, keychain, server, recent log lines', async () => {
    const text = formatDiagnostics(await collectDiagnostics(deps()));
    for (const heading of [
      '## Versions',
      '## Operating system',
      '## Configuration (secrets removed)',
      '## Keychain',
      '## Server',
      '## Device key',
      '## Recent log lines (1)',
    ]) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('FirstKey 0.1.0-test');
    expect(text).toContain('Electron 45.0.0');
    expect(text).toContain('Chrome 142.0.0.0');
    expect(text).toContain(`Node ${process.versions.node}`);
    expect(text).toContain(`enrolmentOrigin: "${DEMO_ENROLMENT_ORIGIN}/"`);
    expect(text).toContain('info app started');
    expect(text).toMatch(/## Keychain\nreachable/);
    expect(text).toMatch(/## Server\nreachable: GET http:\/\/127\.0\.0\.1:\d+\/healthz answered 200/);
  });

  it('says when the keychain cannot be reached, and why', async () => {
    const broken = new MemorySecretStore();
    broken.broken = true;
    const report = await collectDiagnostics(deps({ secretStore: broken }));
    expect(report.keychain).toMatchObject({ reachable: false, reason: 'platform_error' });
    expect(formatDiagnostics(report)).toMatch(/## Keychain\nNOT reachable/);
  });

  it('says when the server does not answer in time, and when nothing listens', async () => {
    const stalled = await collectDiagnostics(deps({ serverUrl: silentUrl, timeoutMs: 200 }));
    expect(stalled.server).toMatchObject({ reachable: false, problem: 'timeout' });
    const closed = await collectDiagnostics(deps({ serverUrl: 'http://127.0.0.1:9' }));
    expect(closed.server).toMatchObject({ reachable: false, problem: 'network' });
  });

  it('holds no code, token, DPoP proof or recovery code the journey used, even from log lines that carried them', async () => {
    const secrets = await journeySecrets();
    expect(secrets.length).toBeGreaterThan(10);
    // The worst case: a log that leaked every one of them, in the ways logs do.
    const leakyLog = secrets.flatMap((secret) => [
      `POST /v1/sessions body={"code":"${secret}"}`,
      `authorization: DPoP ${secret}`,
      `recovery ${secret.toLowerCase()}`,
    ]);
    const report = await collectDiagnostics(
      deps({
        readRecentLogLines: () => Promise.resolve(['info started', ...leakyLog]),
        config: {
          serverUrl: `https://helpdesk:${secrets[0] ?? ''}@api.corp.example/v1?token=${secrets[1] ?? ''}`,
          updateToken: secrets[2],
          pinnedCertificate: '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
          kiosk: true,
        },
      }),
    );
    const text = formatDiagnostics(report);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(text).not.toContain(secret.slice(0, 16));
    }
    expect(text).toContain('https://api.corp.example/v1 [parts removed]');
    expect(text).toContain('updateToken: "[removed]"');
    expect(text).toContain('kiosk: true');
    expect(text).toContain('info started');
    expect(text).not.toContain('MIIBszCCAVmgAwIBAgIU');
  });

  it('asks a server behind a gateway path at that path, as the API client does', async () => {
    // A real gateway: only /firstkey/healthz answers; /healthz at the root is someone else's (here: 404).
    const asked: string[] = [];
    const gateway = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.statusCode = request.url === '/firstkey/healthz' ? 200 : 404;
      response.end();
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const address = gateway.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/firstkey`;
      for (const serverUrl of [base, `${base}/`]) {
        const report = await collectDiagnostics(deps({ serverUrl }));
        expect(report.server).toMatchObject({ reachable: true, status: 200, url: `${base}/healthz` });
      }
      expect(asked).toEqual(['/firstkey/healthz', '/firstkey/healthz']);
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('holds no code as people type it, from the same scrubber the logger uses', async () => {
    const typed = [
      'abcd efgh jkmn pqrs',
      'ABCD-EFGH JKMN-PQRS',
      'ABCDEFGHJKMNPQRS',
      'ABCDEFGHJKMNPQRSTVWXYZABCDEF',
      'abcd efgh jkmn pqrs tvwx yzab cdef',
    ];
    const report = await collectDiagnostics(
      deps({
        readRecentLogLines: () => Promise.resolve(typed.map((code) => `warn code refused: ${code}, code_invalid`)),
        config: { helpDeskNote: 'call ABCD-EFGH JKMN-PQRS', kiosk: false },
      }),
    );
    const text = formatDiagnostics(report);
    for (const code of typed) {
      for (const group of code.split(/[ -]+/)) expect(text).not.toContain(group);
    }
    expect(report.recentLog).toEqual(typed.map(() => `warn code refused: ${REDACTED}, code_invalid`));
    expect(text).toContain(`helpDeskNote: "call ${REDACTED}"`);
  });

  it('names pinned certificates by subject and fingerprint, never by their bytes', async () => {
    const pem = await readFile(new URL('../fixtures/managed-config/inspection-root.pem', import.meta.url), 'utf8');
    const certificate = new X509Certificate(pem);
    const text = formatDiagnostics(await collectDiagnostics(deps({ config: { extraCaCertificates: [certificate] } })));
    expect(text).toContain(certificate.fingerprint256);
    expect(text).toContain(certificate.subject.split('\n')[0]);
    expect(text).not.toContain(pem.split('\n')[1]);
  });

  it('is saved where the person chooses, readable only by them; cancelling saves nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firstkey-diagnostics-'));
    try {
      const exportNow = createDiagnosticsExport({
        collect: () => collectDiagnostics(deps()),
        save: saveToChosenFile((name) => Promise.resolve(join(dir, name))),
        now: () => new Date('2026-11-23T12:34:56.789Z'),
      });
      expect(await exportNow()).toEqual({ saved: true });
      const [file] = await readdir(dir);
      expect(file).toBe('firstkey-diagnostics-2026-11-23T12-34-56-789Z.txt');
      const path = join(dir, file ?? '');
      expect(await readFile(path, 'utf8')).toContain('## Server');
      if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600);

      const cancelled = createDiagnosticsExport({
        collect: () => collectDiagnostics(deps()),
        save: saveToChosenFile(() => Promise.resolve(null)),
      });
      expect(await cancelled()).toEqual({ saved: false });
      expect(await readdir(dir)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs through the IPC gate for the enrolment window only', async () => {
    let exports = 0;
    const controller = new EnrolmentController(createApiClient({ baseUrl: server.url, signProof: deviceProofSigner() }), DEVICE, {
      exportDiagnostics: () => {
        exports += 1;
        return Promise.resolve({ saved: true });
      },
    });
    const dispatch = createDispatcher(controller.handlers, DEMO_ENROLMENT_ORIGIN);
    const call = (senderUrl: string, payload?: unknown) => dispatch({ senderUrl, isMainFrame: true, name: 'exportDiagnostics', payload });
    expect(await call('https://evil.example/')).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(await call(`${DEMO_ENROLMENT_ORIGIN}/`, { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'bad_payload' } });
    expect(exports).toBe(0);
    expect(await call(`${DEMO_ENROLMENT_ORIGIN}/`)).toEqual({ ok: true, value: { saved: true } });
    expect(exports).toBe(1);
  });
});
