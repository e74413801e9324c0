// Runs against the real OS keychain (see secret-store.test.ts):
//   scripts/with-keyring.sh npx vitest run test/keychain
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT, importJWK, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEVICE_KEY_SERVICE,
  DeviceKeyCorruptError,
  deviceKeyAccount,
  loadOrCreateDeviceKey,
} from '../../electron/main/device/device-key.js';
import { KeytarSecretStore } from '../../electron/main/device/secret-store.js';
import { requireKeychain } from '../support/require-keychain.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const moduleUrl = (name: string): string => pathToFileURL(join(REPO_ROOT, 'electron/main/device', name)).href;

const store = new KeytarSecretStore();
const installations: string[] = [];

function freshInstallationId(): string {
  const id = `test-${randomUUID()}`;
  installations.push(id);
  return id;
}

beforeAll(() => requireKeychain(store));

afterEach(async () => {
  for (const id of installations.splice(0)) {
    await store.delete(DEVICE_KEY_SERVICE, deviceKeyAccount(id)).catch(() => undefined);
  }
});

describe('loadOrCreateDeviceKey on the real keychain', () => {
  it('creates the key once and loads the same key on later runs', async () => {
    const installationId = freshInstallationId();
    const first = await loadOrCreateDeviceKey(store, { installationId });
    expect(first.created).toBe(true);

    // A later run: a new store instance, nothing shared but the keychain.
    const again = await loadOrCreateDeviceKey(new KeytarSecretStore(), { installationId });
    expect(again.created).toBe(false);
    expect(again.thumbprint).toBe(first.thumbprint);
    expect(again.publicJwk).toEqual(first.publicJwk);

    const other = await loadOrCreateDeviceKey(store, { installationId: freshInstallationId() });
    expect(other.thumbprint).not.toBe(first.thumbprint);
  });

  it('exposes only the public part, with its RFC 7638 thumbprint', async () => {
    const key = await loadOrCreateDeviceKey(store, { installationId: freshInstallationId() });
    expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(key.privateKey.extractable).toBe(false);

    // RFC 7638 section 3: SHA-256 over the required members in lexicographic order.
    const { crv, kty, x, y } = key.publicJwk;
    const canonical = `{"crv":"${crv}","kty":"${kty}","x":"${x}","y":"${y}"}`;
    expect(key.thumbprint).toBe(createHash('sha256').update(canonical).digest('base64url'));
  });

  it('signs a JWS (a DPoP-shaped JWT) that verifies with the public JWK alone', async () => {
    const key = await loadOrCreateDeviceKey(store, { installationId: freshInstallationId() });
    const jwt = await new SignJWT({ htm: 'POST', htu: 'https://enrol.corp.example/v1/sessions', jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.publicJwk } })
      .setIssuedAt()
      .sign(key.privateKey);

    const publicKey = await importJWK({ ...key.publicJwk }, 'ES256');
    const { protectedHeader, payload } = await jwtVerify(jwt, publicKey, { typ: 'dpop+jwt' });
    expect(payload.htm).toBe('POST');
    expect(protectedHeader.jwk).toEqual(key.publicJwk);
  });

  it('keeps the private key out of every plain file under HOME', async () => {
    const home = process.env.FIRSTKEY_KEYRING_HOME;
    if (home === undefined || home !== process.env.HOME) {
      throw new Error(
        'This test searches HOME and must run in the throw-away HOME of scripts/with-keyring.sh ' +
          '(FIRSTKEY_KEYRING_HOME unset or not HOME): scripts/with-keyring.sh npx vitest run test/keychain',
      );
    }
    const installationId = freshInstallationId();
    await loadOrCreateDeviceKey(store, { installationId });

    // The private scalar as the keychain holds it; this test is the only reader.
    const stored = await store.get(DEVICE_KEY_SERVICE, deviceKeyAccount(installationId));
    expect(stored).not.toBeNull();
    const d = (JSON.parse(stored ?? '{}') as { jwk?: { d?: unknown } }).jwk?.d;
    expect(typeof d).toBe('string');
    const dBytes = Buffer.from(String(d), 'base64url');
    expect(dBytes).toHaveLength(32);
    const needles = [Buffer.from(String(d)), dBytes, Buffer.from(dBytes.toString('hex')), Buffer.from(dBytes.toString('base64'))];

    const files = await regularFilesUnder(home);
    // The keychain did persist to this HOME (encrypted), so the search covers
    // where the key really lives.
    expect(files.some((file) => basename(dirname(file)) === 'keyrings')).toBe(true);
    const leaks: string[] = [];
    for (const file of files) {
      const content = await readFile(file).catch(() => Buffer.alloc(0));
      if (needles.some((needle) => content.includes(needle))) leaks.push(file);
    }
    expect(leaks).toEqual([]);
  });
});

describe('a stored value that is not a usable key', () => {
  const cases: Array<[string, () => Promise<string>, string[]]> = [
    ['not JSON', async () => 'not json at all', ['not_json']],
    ['the wrong shape', async () => JSON.stringify({ v: 1, alg: 'ES256', jwk: { kty: 'RSA' } }), ['bad_shape']],
    ['a newer record version', async () => JSON.stringify({ v: 2, alg: 'ES256', jwk: {} }), ['unsupported_version']],
    [
      'a private scalar from another key',
      async () => {
        const a = JSON.parse(await storedRecordOfNewKey()) as { jwk: Record<string, string> };
        const b = JSON.parse(await storedRecordOfNewKey()) as { jwk: Record<string, string> };
        return JSON.stringify({ ...a, jwk: { ...a.jwk, d: b.jwk.d } });
      },
      // Node may reject the pair on import or only when signing.
      ['invalid_key', 'key_mismatch'],
    ],
  ];

  it.each(cases)('%s: throws DeviceKeyCorruptError and leaves the entry alone', async (_label, value, reasons) => {
    const installationId = freshInstallationId();
    const account = deviceKeyAccount(installationId);
    const corrupt = await value();
    await store.set(DEVICE_KEY_SERVICE, account, corrupt);

    const error = await loadOrCreateDeviceKey(store, { installationId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceKeyCorruptError);
    const { code, reason, message } = error as DeviceKeyCorruptError;
    expect(code).toBe('device_key_corrupt');
    expect(reasons).toContain(reason);
    expect(message).not.toContain(corrupt);
    // Not silently regenerated: the same bytes are still there.
    expect(await store.get(DEVICE_KEY_SERVICE, account)).toBe(corrupt);
  });

  it('rejects an installation id that cannot name a keychain account', async () => {
    await expect(loadOrCreateDeviceKey(store, { installationId: '' })).rejects.toThrow(TypeError);
    await expect(loadOrCreateDeviceKey(store, { installationId: 'a b' })).rejects.toThrow(TypeError);
  });
});

async function storedRecordOfNewKey(): Promise<string> {
  const installationId = freshInstallationId();
  await loadOrCreateDeviceKey(store, { installationId });
  const stored = await store.get(DEVICE_KEY_SERVICE, deviceKeyAccount(installationId));
  if (stored === null) throw new Error('the key just created is not in the keychain');
  return stored;
}

// A real absence, not a mock: a child process whose session bus address
// points at a socket that does not exist.
describe('without an OS keychain', () => {
  it('probe says unavailable and loadOrCreateDeviceKey refuses with KeychainUnavailableError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firstkey-nokeychain-'));
    try {
      const script = join(dir, 'no-keychain.mts');
      await writeFile(
        script,
        `import { KeytarSecretStore, probeSecretStore } from ${JSON.stringify(moduleUrl('secret-store.ts'))};
import { KeychainUnavailableError, loadOrCreateDeviceKey } from ${JSON.stringify(moduleUrl('device-key.ts'))};
const store = new KeytarSecretStore();
const probe = await probeSecretStore(store);
let load;
try {
  const key = await loadOrCreateDeviceKey(store, { installationId: 'no-keychain-test' });
  load = { ok: true, thumbprint: key.thumbprint };
} catch (error) {
  load = {
    ok: false,
    isKeychainUnavailableError: error instanceof KeychainUnavailableError,
    name: error.name,
    code: error.code,
    reason: error.reason,
    message: error.message,
  };
}
console.log('FIRSTKEY_RESULT ' + JSON.stringify({ probe, load }));
`,
      );
      const result = await runChild([script], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });

      expect(result.probe).toMatchObject({ available: false, reason: 'no_session_bus' });
      expect(result.load).toEqual({
        ok: false,
        isKeychainUnavailableError: true,
        name: 'KeychainUnavailableError',
        code: 'keychain_unavailable',
        reason: 'no_session_bus',
        message: expect.stringMatching(/^No OS keychain is available: .*will not store it in clear on disk\.$/) as string,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface ChildResult {
  probe: unknown;
  load: unknown;
}

function runChild(args: string[], env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 15_000 },
      (error, stdout, stderr) => {
        const line = /^FIRSTKEY_RESULT (.*)$/m.exec(stdout);
        if (line?.[1] === undefined) {
          reject(new Error(`child gave no result (${error?.message ?? 'exit 0'}):\n${stdout}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(line[1]) as ChildResult);
      },
    );
  });
}

async function regularFilesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk(root);
  return found;
}
