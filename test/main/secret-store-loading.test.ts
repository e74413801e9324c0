// Issue 10, "A missing keychain binding crashes start-up". No keychain is
// needed here: every failure below is a real module-loading failure (a file
// that is not there, a file that is not a native module), caught the way the
// app catches it.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../electron/main/api-client.js';
import { loadOrCreateDeviceKey } from '../../electron/main/device/device-key.js';
import { createProofSigner } from '../../electron/main/device/dpop-proof.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';
import {
  KeytarSecretStore,
  SecretStoreError,
  describeSecretStoreError,
  lazyKeytar,
  probeSecretStore,
  type KeyringEntryClass,
} from '../../electron/main/device/secret-store.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_DIR = join(REPO_ROOT, 'electron/main');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firstkey-binding-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What @napi-rs/keyring's loader runs into when the platform package was not installed. */
const missingBinary = async (): Promise<KeyringEntryClass> => {
  createRequire(join(dir, 'index.js'))('./keyring.linux-x64-gnu.node');
  throw new Error('unreachable: the binary does not exist');
};

/** A binary that is there but is not a loadable library (truncated download, wrong architecture). */
const brokenBinary = async (): Promise<KeyringEntryClass> => {
  const file = join(dir, 'keyring.broken.node');
  await writeFile(file, 'this is not an ELF, Mach-O or PE file');
  createRequire(join(dir, 'index.js'))(file);
  throw new Error('unreachable: the binary cannot load');
};

/** An ES module import of a package that is not installed. */
const missingPackage = async (): Promise<KeyringEntryClass> => {
  const specifier = '@napi-rs/keyring-not-installed';
  return ((await import(/* @vite-ignore */ specifier)) as { AsyncEntry: KeyringEntryClass }).AsyncEntry;
};

describe('A missing keychain binding crashes start-up', () => {
  it.each([
    ['its native binary is missing', missingBinary, /MODULE_NOT_FOUND: Cannot find module/],
    ['its native binary cannot be loaded', brokenBinary, /ERR_DLOPEN_FAILED|invalid ELF header|not a valid/],
    ['its package is not installed', missingPackage, /ERR_MODULE_NOT_FOUND|Cannot find (package|module)/],
  ])('a keychain whose %s fails the call with binding_unavailable, in plain words', async (_label, loader, said) => {
    const store = new KeytarSecretStore(lazyKeytar(loader));
    const error = await store.get('FirstKey', 'device').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStoreError);
    const failure = error as SecretStoreError;
    expect(failure.code).toBe('binding_unavailable');
    expect(failure.operation).toBe('get');
    expect(failure.message).toBe(`Keychain get failed: ${describeSecretStoreError('binding_unavailable')}.`);
    expect(failure.message).toMatch(/missing or damaged on this computer/);
    // The loader's own words stay for diagnostics, one line, no stack.
    expect(failure.platformMessage).toMatch(said);
    expect(failure.platformMessage).not.toMatch(/\n|\s+at /);
  });

  it('constructing the store loads nothing: start-up cannot fail on it', () => {
    let loads = 0;
    const counting = async (): Promise<KeyringEntryClass> => {
      loads += 1;
      return missingBinary();
    };
    new KeytarSecretStore(lazyKeytar(counting));
    expect(loads).toBe(0);
  });

  it('tries the binding again on the next call, so a repaired installation needs no restart', async () => {
    let broken = true;
    const secrets = new Map<string, string>();
    const Entry = class {
      constructor(
        private readonly service: string,
        private readonly account: string,
      ) {}
      async getPassword() {
        return secrets.get(`${this.service}/${this.account}`) ?? null;
      }
      async setPassword(password: string) {
        secrets.set(`${this.service}/${this.account}`, password);
      }
      async deletePassword() {
        return secrets.delete(`${this.service}/${this.account}`);
      }
    };
    const store = new KeytarSecretStore(lazyKeytar(async () => (broken ? missingBinary() : Entry)));
    await expect(store.set('FirstKey', 'a', 'v')).rejects.toMatchObject({ code: 'binding_unavailable', operation: 'set' });
    broken = false;
    await store.set('FirstKey', 'a', 'v');
    expect(await store.get('FirstKey', 'a')).toBe('v');
  });

  it('the keychain probe reports binding_unavailable with its plain message', async () => {
    expect(await probeSecretStore(new KeytarSecretStore(lazyKeytar(missingBinary)))).toMatchObject({
      available: false,
      reason: 'binding_unavailable',
      operation: 'set',
      message: describeSecretStoreError('binding_unavailable'),
    });
  });

  it('reaches the app as its keychain-unavailable answer, never as a crash', async () => {
    const store = new KeytarSecretStore(lazyKeytar(missingBinary));
    await expect(loadOrCreateDeviceKey(store, { installationId: 'enrol.firstkey.test' })).rejects.toMatchObject({
      code: 'keychain_unavailable',
      reason: 'binding_unavailable',
    });
    let requests = 0;
    const api = createApiClient({
      baseUrl: 'http://127.0.0.1:9',
      signProof: createProofSigner(() => loadOrCreateDeviceKey(store, { installationId: 'enrol.firstkey.test' })),
      fetch: async () => {
        requests += 1;
        return new Response('{}');
      },
    });
    const device = collectDeviceSignals('1.0.0', false);
    await expect(api.call('openSession', { body: { code: 'ABCD-EFGH-JKMN', device } })).rejects.toMatchObject({
      code: 'keychain_unavailable',
    });
    // Without its key the device sends nothing unbound.
    expect(requests).toBe(0);
  });

  it('no main-process module imports @napi-rs/keyring at top level', async () => {
    const files = await mainSources();
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      const source = ts.createSourceFile(file, await readFile(file, 'utf8'), ts.ScriptTarget.Latest, true);
      for (const specifier of staticRuntimeImports(source)) {
        if (/^@napi-rs\/keyring(\/|$)/.test(specifier)) offenders.push(`${relative(REPO_ROOT, file)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the static-import check sees the forms that would load the binding eagerly', () => {
    const source = ts.createSourceFile(
      'probe.ts',
      [
        "import { AsyncEntry } from '@napi-rs/keyring';",
        "import * as keytar from '@napi-rs/keyring/keytar.js';",
        "import '@napi-rs/keyring';",
        "export { Entry } from '@napi-rs/keyring';",
        "import type { AsyncEntry as T } from '@napi-rs/keyring';",
        "const lazy = () => import('@napi-rs/keyring');",
        "const eager = require('@napi-rs/keyring');",
      ].join('\n'),
      ts.ScriptTarget.Latest,
      true,
    );
    expect(staticRuntimeImports(source)).toEqual([
      '@napi-rs/keyring',
      '@napi-rs/keyring/keytar.js',
      '@napi-rs/keyring',
      '@napi-rs/keyring',
      '@napi-rs/keyring',
    ]);
  });

  it('main-process modules load in a Node where the binding cannot be resolved at all', { timeout: 30_000 }, async () => {
    // A child Node whose resolver refuses @napi-rs/keyring, as on an install
    // without it: importing the store and the modules around it must succeed,
    // and the first use must fail with binding_unavailable.
    const hooks = join(dir, 'no-keyring.mjs');
    await writeFile(
      hooks,
      `import { registerHooks } from 'node:module';\n` +
        `registerHooks({ resolve(specifier, context, next) {\n` +
        `  if (/^@napi-rs\\/keyring(\\/|$)/.test(specifier)) {\n` +
        `    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });\n` +
        `  }\n` +
        `  return next(specifier, context);\n` +
        `} });\n`,
    );
    const script = join(dir, 'load.mts');
    const url = (path: string) => JSON.stringify(pathToFileURL(join(MAIN_DIR, path)).href);
    await writeFile(
      script,
      `import { KeytarSecretStore } from ${url('device/secret-store.ts')};\n` +
        `await import(${url('device/device-key.ts')});\n` +
        `await import(${url('api-client.ts')});\n` +
        `const error = await new KeytarSecretStore().get('FirstKey', 'x').catch((e) => e);\n` +
        `console.log('FIRSTKEY_RESULT ' + JSON.stringify({ code: error.code, platformMessage: error.platformMessage }));\n`,
    );
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', pathToFileURL(hooks).href, '--import', 'tsx', script],
        { cwd: REPO_ROOT },
        (error, out, err) => {
          if (error) reject(new Error(`${error.message}\n${out}\n${err}`));
          else resolve(out);
        },
      );
    });
    const line = /^FIRSTKEY_RESULT (.*)$/m.exec(stdout)?.[1];
    expect(JSON.parse(line ?? 'null')).toEqual({
      code: 'binding_unavailable',
      platformMessage: "ERR_MODULE_NOT_FOUND: Cannot find package '@napi-rs/keyring'",
    });
  });
});

async function mainSources(): Promise<string[]> {
  const entries = await readdir(MAIN_DIR, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && /\.(m|c)?ts$/.test(entry.name)).map((entry) => join(entry.parentPath, entry.name));
}

/** Module specifiers a file loads when it is imported: static imports and re-exports (not type-only), and require(). */
function staticRuntimeImports(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isImportDeclaration(node) &&
      node.importClause?.phaseModifier !== ts.SyntaxKind.TypeKeyword &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
