// Runs against the real OS keychain. On Linux that is a Secret Service:
//   scripts/with-keyring.sh npx vitest run test/keychain
// gives each run a private D-Bus session, an unlocked gnome-keyring and a
// throw-away HOME. Without a reachable keychain these tests fail, on purpose.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as napiKeytar from '@napi-rs/keyring/keytar.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  KeytarSecretStore,
  SecretStoreError,
  probeSecretStore,
  type KeytarCompatible,
  type SecretStoreProbe,
} from '../../electron/main/device/secret-store.js';
import { requireKeychain } from '../support/require-keychain.js';

const SERVICE = 'FirstKey';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET_STORE_URL = pathToFileURL(join(REPO_ROOT, 'electron/main/device/secret-store.ts')).href;

const store = new KeytarSecretStore();
const accounts: string[] = [];

function freshAccount(): string {
  const account = `test:${randomUUID()}`;
  accounts.push(account);
  return account;
}

beforeAll(() => requireKeychain(store));

afterEach(async () => {
  for (const account of accounts.splice(0)) await store.delete(SERVICE, account).catch(() => undefined);
});

describe('KeytarSecretStore on the real keychain', () => {
  it('stores, reads back, replaces and deletes a secret', async () => {
    const account = freshAccount();
    expect(await store.get(SERVICE, account)).toBeNull();

    await store.set(SERVICE, account, 'first value');
    expect(await store.get(SERVICE, account)).toBe('first value');

    await store.set(SERVICE, account, 'second value, ünïcødé ✓');
    expect(await store.get(SERVICE, account)).toBe('second value, ünïcødé ✓');

    expect(await store.delete(SERVICE, account)).toBe(true);
    expect(await store.get(SERVICE, account)).toBeNull();
    expect(await store.delete(SERVICE, account)).toBe(false);
  });

  it('keeps a new store instance reading what another wrote', async () => {
    const account = freshAccount();
    await store.set(SERVICE, account, 'persisted');
    expect(await new KeytarSecretStore().get(SERVICE, account)).toBe('persisted');
  });

  it('shares entries with @napi-rs/keyring/keytar.js, the keytar drop-in', async () => {
    const account = freshAccount();
    const viaKeytarJs = new KeytarSecretStore(napiKeytar);
    await store.set(SERVICE, account, 'written pinned');
    expect(await viaKeytarJs.get(SERVICE, account)).toBe('written pinned');
    await viaKeytarJs.set(SERVICE, account, 'written through keytar.js');
    expect(await store.get(SERVICE, account)).toBe('written through keytar.js');
  });

  it('probe reports the keychain available and leaves no probe entry behind', async () => {
    const probeService = `FirstKey-probe-${randomUUID()}`;
    expect(await probeSecretStore(store, { service: probeService })).toEqual({ available: true });
    expect(await napiKeytar.findCredentials(probeService)).toEqual([]);
  });
});

describe('errors carry no secret', () => {
  it('redacts the secret from what the platform reports', async () => {
    const secret = `s3cret-${randomUUID()}`;
    const leaky: KeytarCompatible = {
      getPassword: async () => null,
      setPassword: async (_service, _account, password) => {
        throw new Error(`Platform failure: could not store ${password}`);
      },
      deletePassword: async () => false,
    };
    const error = await new KeytarSecretStore(leaky).set(SERVICE, 'acct', secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    const { message, platformMessage, code } = error as SecretStoreError;
    expect(code).toBe('platform_error');
    expect(message).not.toContain(secret);
    expect(platformMessage).toBe('Platform failure: could not store [redacted]');
  });
});

// A real absence, not a mock: each case runs the probe in a child process
// whose environment lacks a working keychain in a different way.
describe('probe names why a keychain is unusable', () => {
  let dir = '';
  let probeScript = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firstkey-probe-'));
    probeScript = join(dir, 'probe.mts');
    await writeFile(
      probeScript,
      `import { KeytarSecretStore, probeSecretStore } from ${JSON.stringify(SECRET_STORE_URL)};\n` +
        `const probe = await probeSecretStore(new KeytarSecretStore());\n` +
        `console.log('FIRSTKEY_RESULT ' + JSON.stringify(probe));\n`,
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no session bus', async () => {
    const probe = await runProbe(process.execPath, ['--import', 'tsx', probeScript], {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
    });
    expect(probe).toMatchObject({ available: false, reason: 'no_session_bus', operation: 'set' });
    expect(!probe.available && probe.message).toMatch(/no D-Bus session bus is reachable/);
  });

  it('a session bus without any Secret Service on it', { timeout: 60_000 }, async () => {
    // The policy of the stock session bus, but no service directories, so
    // nothing can be activated as org.freedesktop.secrets.
    const config = join(dir, 'bare-session.conf');
    await writeFile(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${dir}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
    );
    const probe = await runProbe(
      'dbus-run-session',
      [`--config-file=${config}`, '--', process.execPath, '--import', 'tsx', probeScript],
      {},
    );
    expect(probe).toMatchObject({ available: false, reason: 'no_secret_service' });
  });

  it('a locked keyring that cannot prompt for its password', { timeout: 60_000 }, async () => {
    // Its own bus and gnome-keyring, so locking does not disturb other tests.
    const home = join(dir, 'locked-home');
    await mkdir(join(home, 'run'), { recursive: true, mode: 0o700 });
    const script = [
      'printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
      'for i in $(seq 1 100); do',
      '  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true" && break',
      '  sleep 0.1',
      'done',
      'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null',
      `exec "${process.execPath}" --import tsx "${probeScript}"`,
    ].join('\n');
    const probe = await runProbe('dbus-run-session', ['--', 'sh', '-c', script], {
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      // No display: the unlock prompt cannot be shown, as on a headless host.
      DISPLAY: undefined,
      WAYLAND_DISPLAY: undefined,
    });
    expect(probe).toMatchObject({ available: false, reason: 'locked', operation: 'set' });
  });
});

function runProbe(command: string, args: string[], env: Record<string, string | undefined>): Promise<SecretStoreProbe> {
  // `undefined` in env means "unset this variable" for the child.
  const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined),
  );
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: REPO_ROOT, env: childEnv, timeout: 50_000 }, (error, stdout, stderr) => {
      const line = /^FIRSTKEY_RESULT (.*)$/m.exec(stdout);
      if (line?.[1] === undefined) {
        reject(new Error(`probe child gave no result (${error?.message ?? 'exit 0'}):\n${stdout}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(line[1]) as SecretStoreProbe);
    });
  });
}
