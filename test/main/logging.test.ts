// Issue 10, "Logs and diagnostics" (main's logger): real files in a temp
// directory, a real server, real DPoP proofs; then every byte on disk is
// searched for each secret the run handled.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENROLMENT_ORIGIN } from '../../api/defaults.js';
import { createApiClient } from '../../electron/main/api-client.js';
import { EnrolmentController } from '../../electron/main/enrolment-controller.js';
import { createLogger, readRecentLogLines, type FileLogger } from '../../electron/main/log/logger.js';
import { REDACTED, scrub } from '../../electron/main/log/redact.js';
import type { RunningServer } from '../../server/start.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { DEVICE, MemorySecretStore, deviceProofSigner } from './support/device.js';
import { newEnrolee, startDemoServer } from './support/server.js';

let dir = '';
const open: FileLogger[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firstkey-logs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const logger of open.splice(0)) logger.close();
});

let runs = 0;
function loggerIn(options: Partial<Parameters<typeof createLogger>[0]> = {}): { logger: FileLogger; logDir: string } {
  runs += 1;
  const logDir = join(dir, `run-${runs}`);
  const logger = createLogger({ dir: logDir, ...options });
  open.push(logger);
  return { logger, logDir };
}

/** Every byte of every file the logger wrote. */
async function everythingWritten(logDir: string): Promise<string> {
  const files = await readdir(logDir);
  const texts = await Promise.all(files.map((file) => readFile(join(logDir, file), 'utf8')));
  return texts.join('\n');
}

function records(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Logs and diagnostics', () => {
  it('writes one JSON record per line: time, level, event, fields', async () => {
    const { logger, logDir } = loggerIn({ now: () => new Date('2030-01-02T03:04:05.000Z') });
    logger.info('app.started', { appVersion: '1.2.3', packaged: true, kiosk: false });
    logger.error('config.invalid', { setting: 'FIRSTKEY_SERVER_URL', source: 'environment', reason: 'Invalid URL' });
    expect(records(await readFile(join(logDir, 'firstkey.log'), 'utf8'))).toEqual([
      { time: '2030-01-02T03:04:05.000Z', level: 'info', event: 'app.started', appVersion: '1.2.3', packaged: true, kiosk: false },
      {
        time: '2030-01-02T03:04:05.000Z',
        level: 'error',
        event: 'config.invalid',
        setting: 'FIRSTKEY_SERVER_URL',
        source: 'environment',
        reason: 'Invalid URL',
      },
    ]);
  });

  it('writes nothing below the configured level', async () => {
    const { logger, logDir } = loggerIn({ level: 'warn' });
    logger.debug('a.debug');
    logger.info('an.info');
    logger.warn('a.warn');
    logger.error('an.error');
    expect(records(await readFile(join(logDir, 'firstkey.log'), 'utf8')).map((r) => r.event)).toEqual(['a.warn', 'an.error']);
  });

  it('takes the configured level once configuration is read', async () => {
    const { logger, logDir } = loggerIn();
    logger.debug('before.config');
    logger.setLevel('debug');
    logger.debug('after.config');
    expect(records(await readFile(join(logDir, 'firstkey.log'), 'utf8')).map((r) => r.event)).toEqual(['after.config']);
  });

  it('rotates by size, keeps a bounded number of files, and the recent lines read back in order', async () => {
    const { logger, logDir } = loggerIn({ maxBytes: 2_000, keep: 3 });
    for (let n = 0; n < 200; n += 1) logger.info('api.call', { operation: 'getSession', status: 200, count: n });
    const files = (await readdir(logDir)).sort();
    expect(files).toEqual(['firstkey.1.log', 'firstkey.2.log', 'firstkey.3.log', 'firstkey.log']);
    for (const file of files) expect((await stat(join(logDir, file))).size).toBeLessThanOrEqual(2_000);

    const recent = await readRecentLogLines(logDir, 25, 3);
    expect(recent.map((line) => (JSON.parse(line) as { count: number }).count)).toEqual(Array.from({ length: 25 }, (_u, i) => 175 + i));
    // The oldest lines are gone, not kept forever.
    const all = await readRecentLogLines(logDir, 10_000, 3);
    expect(all.length).toBeLessThan(200);
    expect((JSON.parse(all[0]!) as { count: number }).count).toBeGreaterThan(0);
  });

  it('picks up an existing log after a restart and keeps appending to it', async () => {
    const first = loggerIn();
    first.logger.info('app.started');
    first.logger.close();
    const again = createLogger({ dir: first.logDir });
    open.push(again);
    again.info('app.started');
    expect(await readRecentLogLines(first.logDir, 10)).toHaveLength(2);
  });

  it('readRecentLogLines skips a line torn by a crash and anything that is not a record', async () => {
    const { logger, logDir } = loggerIn();
    logger.info('before.crash');
    logger.close();
    await writeFile(join(logDir, 'firstkey.log'), '{"time":"x","level":"info","event":"torn', { flag: 'a' });
    expect(await readRecentLogLines(logDir, 10)).toEqual([expect.stringContaining('"before.crash"')]);
    expect(await readRecentLogLines(join(dir, 'never-written'), 10)).toEqual([]);
  });

  it('a log that cannot be written never breaks the app', async () => {
    const blocker = join(dir, 'a-file-not-a-dir');
    await writeFile(blocker, '');
    const logger = createLogger({ dir: join(blocker, 'logs') });
    expect(() => {
      logger.error('config.invalid', { setting: 'FIRSTKEY_SERVER_URL' });
    }).not.toThrow();
  });

  describe('codes, tokens, recovery codes, DPoP proofs and key material are never written', () => {
    const proofLike = `eyJ${randomBytes(30).toString('base64url')}.eyJ${randomBytes(60).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
    const token = randomBytes(32).toString('base64url');
    const code = 'K7QM-2XRB-9DTF-HN4W-PC8A-ZJ6E-V3YG';
    const recoveryCode = 'R2D4-X9KM-7PQT-B6WN';
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwk = privateKey.export({ format: 'jwk' });
    const secrets = [proofLike, token, code, recoveryCode, pem, jwk.d!, jwk.x!, jwk.y!];

    it('not under field names the allow-list does not know', async () => {
      const { logger, logDir } = loggerIn({ level: 'debug' });
      logger.info('api.call', {
        token,
        code: 'not_a_secret_code_name',
        body: JSON.stringify(jwk),
        recoveryCodes: recoveryCode,
        dpop: proofLike,
      });
      logger.debug('key.loaded', { jwk: JSON.stringify(jwk), privateKey: pem });
      const text = await everythingWritten(logDir);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(records(text)[0]).toMatchObject({ token: REDACTED, body: REDACTED, recoveryCodes: REDACTED, dpop: REDACTED });
    });

    it('not even inside the values of allowed fields, as a careless message would put them', async () => {
      const { logger, logDir } = loggerIn();
      logger.warn('api.call_failed', {
        message: `refused DPoP ${token} with proof ${proofLike}`,
        reason: `code ${code} locked; recovery code ${recoveryCode.toLowerCase()} used`,
        path: `/v1/sessions?code=${code}&token=${token}`,
        host: `https://user:${token}@api.corp.example/`,
        source: `firstkey://enrol?code=${code.replaceAll('-', '')}`,
        setting: `key ${JSON.stringify(jwk)}`,
        errorName: pem,
        operation: `Authorization: Bearer ${token}`,
      });
      const text = await everythingWritten(logDir);
      for (const secret of [...secrets, code.replaceAll('-', ''), recoveryCode.toLowerCase()]) expect(text).not.toContain(secret);
    });

    it('not in the event name either', async () => {
      const { logger, logDir } = loggerIn();
      logger.info(`enrolled.${code}`);
      const text = await everythingWritten(logDir);
      expect(text).not.toContain(code);
      expect(records(text)[0]).toMatchObject({ event: 'unnamed_event' });
    });

    it('while plain diagnostic words stay readable', () => {
      for (const plain of [
        'ERR_MODULE_NOT_FOUND',
        'keychain_unavailable',
        'FIRSTKEY_SERVER_URL must be an https URL',
        '/v1/sessions/current/factors/{id}',
        '/home/ada/.config/FirstKey/logs',
        'Electron 45.5.0 on linux x64',
        'verifyRegistration',
        'registrationOptions',
        'tls.pinned_certificate_accepted',
        'net::ERR_CERT_AUTHORITY_INVALID',
        'the keychain did not answer within 5000 ms',
        'Service desk Zürich: +41 44 000 00 00',
        'keep the fast path when the test runs',
      ]) {
        expect(scrub(plain)).toBe(plain);
      }
    });
  });

  describe('codes as people type them are never written either', () => {
    // Crockford base32 (no I, L, O, U): what the server issues, typed in any case, grouped or not.
    const typed = [
      'abcd efgh jkmn pqrs',
      'ABCD-EFGH JKMN-PQRS',
      'ABCD - EFGH - JKMN - PQRS',
      'ABCDEFGHJKMNPQRS',
      'abcdefghjkmnpqrs',
      'abcdefgh jkmnpqrs',
      // a 28-character enrolment code of letters only, as shown and as typed
      'ABCD-EFGH-JKMN-PQRS-TVWX-YZAB-CDEF',
      'ABCDEFGHJKMNPQRSTVWXYZABCDEF',
      'abcd efgh jkmn pqrs tvwx yzab cdef',
      'K7QM 2XRB 9DTF HN4W',
    ];

    it.each(typed)('%s, alone, inside a sentence, or after a label', (code) => {
      for (const text of [code, `the person typed ${code} and pressed enter`, `code=${code};`, `"${code}"`]) {
        const scrubbed = scrub(text);
        expect(scrubbed).toContain(REDACTED);
        for (const piece of code.split(/[ -]+/).filter((group) => group.length >= 4)) expect(scrubbed).not.toContain(piece);
      }
    });

    it('through the file logger too, in any field it allows', async () => {
      const { logger, logDir } = loggerIn();
      for (const code of typed) logger.warn('api.call_failed', { reason: `code ${code} refused`, message: code });
      const text = await everythingWritten(logDir);
      for (const code of typed) expect(text).not.toContain(code);
      expect(records(text).map((line) => line.reason)).toEqual(typed.map(() => `code ${REDACTED} refused`));
    });
  });

  describe('API calls are logged by operation, never by content', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startDemoServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('a whole enrolment leaves operation, method, path, status and duration, and none of its secrets', async () => {
      const { logger, logDir } = loggerIn({ level: 'debug' });
      const { code } = await newEnrolee(server);
      const store = new MemorySecretStore();
      const seen = { proofs: [] as string[], tokens: [] as string[], bodies: [] as string[] };
      // Real fetch to the real server; the wrapper only records what went over the wire, to search the log for it.
      const recordingFetch: typeof fetch = async (input, init) => {
        const headers = new Headers(init?.headers);
        const proof = headers.get('dpop');
        if (proof) seen.proofs.push(proof);
        if (typeof init?.body === 'string') seen.bodies.push(init.body);
        const response = await fetch(input, init);
        const text = await response.clone().text();
        seen.bodies.push(text);
        const token = /"token":"([^"]+)"/.exec(text)?.[1];
        if (token) seen.tokens.push(token);
        return response;
      };
      const api = createApiClient({ baseUrl: server.url, signProof: deviceProofSigner(store), fetch: recordingFetch, logger });
      const controller = new EnrolmentController(api, DEVICE);

      await expect(controller.handlers.startSession({ code: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG' })).rejects.toMatchObject({
        code: expect.any(String) as string,
      });
      await controller.handlers.startSession({ code });
      const options = await controller.handlers.registrationOptions({ factor: 'passkey' });
      const response = new SoftAuthenticator({ attachment: 'platform' }).create(options, { origin: DEMO_ENROLMENT_ORIGIN });
      await controller.handlers.verifyRegistration({ factor: 'passkey', response });
      const done = await controller.handlers.completeSession(undefined);

      const text = await everythingWritten(logDir);
      const lines = records(text);
      expect(lines.map((line) => [line.event, line.operation])).toEqual([
        ['api.call_failed', 'openSession'],
        ['api.call', 'openSession'],
        ['api.call', 'registrationOptions'],
        ['api.call', 'verifyRegistration'],
        ['api.call', 'complete'],
      ]);
      expect(lines[0]).toMatchObject({ level: 'warn', method: 'POST', path: '/v1/sessions', status: 400, code: 'code_invalid' });
      expect(lines[2]).toMatchObject({ level: 'info', method: 'POST', path: '/v1/sessions/current/registration-options', status: 200 });
      for (const line of lines) expect(line.durationMs).toEqual(expect.any(Number));

      const recoveryCodes = done.recoveryCodes ?? [];
      const deviceKeyRecord = [...store.entries.values()].join('\n');
      const keyParts = [...deviceKeyRecord.matchAll(/"(d|x|y)":"([^"]+)"/g)].map((match) => match[2]!);
      expect(seen.proofs.length).toBeGreaterThanOrEqual(5);
      expect(seen.tokens).toHaveLength(1);
      expect(recoveryCodes.length).toBeGreaterThan(0);
      expect(keyParts).toHaveLength(3);
      for (const secret of [code, code.replaceAll('-', ''), ...seen.proofs, ...seen.tokens, ...recoveryCodes, ...keyParts, response.id]) {
        expect(text, 'a secret reached the log').not.toContain(secret);
      }
      for (const body of seen.bodies.filter((b) => b.length > 20)) expect(text).not.toContain(body);
    });
  });
});
