import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { runInNewContext } from 'node:vm';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS, type IpcName } from '../../api/ipc-channels.js';
import { SECURE_WEB_PREFERENCES } from '../../electron/main/web-preferences.js';

/**
 * The Electron security checklist (DESIGN.md, "Trust boundaries") as data we
 * ship: the renderer's preferences, the packaging config with its fuses and
 * file list, and the built preload bundle.
 */
const ROOT = process.cwd();
const require = createRequire(import.meta.url);
const NAMES = Object.keys(IPC_CHANNELS) as IpcName[];

describe('renderer web preferences', () => {
  it('isolate and sandbox the renderer with no Node anywhere', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keep web security on and every escape hatch off', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
    });
  });

  it('turn no Node-related switch on', () => {
    const nodeSwitches = Object.entries(SECURE_WEB_PREFERENCES).filter(([key]) => /node/i.test(key));
    expect(nodeSwitches.length).toBeGreaterThanOrEqual(3);
    for (const [key, value] of nodeSwitches) expect(value, key).toBe(false);
  });
});

// ---------------------------------------------------------------- packaging

interface BuilderConfig {
  files: string[];
  asar: boolean;
  electronFuses: Record<string, boolean>;
  protocols: { schemes: string[] }[];
  [key: string]: unknown;
}

function loadBuilderConfig(): BuilderConfig {
  return require(join(ROOT, 'build', 'electron-builder.config.cjs')) as BuilderConfig;
}

/** electron-builder's own matcher, so the file list is judged exactly as packaging will judge it. */
interface FileMatcherModule {
  FileMatcher: new (
    from: string,
    to: string,
    macroExpander: (pattern: string) => string,
    patterns: string[],
  ) => { createFilter(): (file: string, stat: { isDirectory(): boolean }) => boolean };
}

function packagedFilter(patterns: string[]): (relativePath: string) => boolean {
  const { FileMatcher } = require('app-builder-lib/out/fileMatcher') as FileMatcherModule;
  const filter = new FileMatcher(ROOT, '', (pattern) => pattern, patterns).createFilter();
  const fileStat = { isDirectory: () => false };
  return (relativePath) => filter(join(ROOT, ...relativePath.split('/')), fileStat);
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [relative(ROOT, full).split(sep).join('/')];
  });
}

describe('electron-builder config', () => {
  it("validates against electron-builder's JSON schema", () => {
    const schema = require('app-builder-lib/scheme.json') as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    // electron-builder's schema marks callback options with this keyword (ajv-keywords' typeof).
    ajv.addKeyword({ keyword: 'typeof', schemaType: 'string', validate: (type: string, data: unknown) => typeof data === type });
    const validate = ajv.compile(schema);
    const config = loadBuilderConfig();
    expect(validate(config), ajv.errorsText(validate.errors)).toBe(true);
    // The schema is not vacuous: a misspelt fuse or a wrong type is caught.
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNodeX: false } })).toBe(false);
    expect(validate({ ...config, asar: 'yes' })).toBe(false);
  });

  it('flips the fuses the checklist asks for', () => {
    expect(loadBuilderConfig().electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into an ASAR and registers only the firstkey: scheme', () => {
    const config = loadBuilderConfig();
    expect(config.asar).toBe(true);
    expect(config.protocols.flatMap((p) => p.schemes)).toEqual(['firstkey']);
  });

  it('puts the built app in the package and no source maps', () => {
    const included = packagedFilter(loadBuilderConfig().files);
    for (const path of [
      'dist/electron/main/index.js',
      'dist/electron/preload/index.cjs',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc123.js',
      'dist/renderer/assets/index-abc123.css',
      'package.json',
    ]) {
      expect(included(path), path).toBe(true);
    }
    for (const path of [
      'dist/electron/main/index.js.map',
      'dist/electron/preload/index.cjs.map',
      'dist/renderer/assets/index-abc123.js.map',
    ]) {
      expect(included(path), path).toBe(false);
    }
  });

  it('packs every built file there is (but maps), and nothing else from the project', () => {
    const included = packagedFilter(loadBuilderConfig().files);
    const built = [...walk(join(ROOT, 'dist', 'electron')), ...walk(join(ROOT, 'dist', 'renderer'))];
    for (const path of built) expect(included(path), path).toBe(!path.endsWith('.map'));

    const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(sources.length).toBeGreaterThan(20);
    const leaked = sources.filter((path) => path !== 'package.json' && included(path));
    expect(leaked).toEqual([]);
  });

  it.each([
    'server/main.ts',
    'server/db/migrations.ts',
    'test/e2e/harness.ts',
    'test/support/soft-authenticator.ts',
    'electron/main/index.ts',
    'electron/preload/index.ts',
    'api/ipc.ts',
    'renderer/src/main.tsx',
    'scripts/start-demo.ts',
    'build/electron-builder.config.cjs',
    '.firstkey-data/firstkey.sqlite',
    '.env',
    'dist/installers/FirstKey.AppImage',
    'dist/electron/../../server/main.ts',
  ])('keeps %s out of the package', (path) => {
    expect(packagedFilter(loadBuilderConfig().files)(path)).toBe(false);
  });
});

// ---------------------------------------------------------------- preload

const PRELOAD = join(ROOT, 'dist', 'electron', 'preload', 'index.cjs');

describe('the built preload bundle', () => {
  beforeAll(() => {
    if (!existsSync(PRELOAD)) execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }, 60_000);

  it("requires nothing but 'electron' (a sandboxed preload cannot load anything else)", () => {
    const source = readFileSync(PRELOAD, 'utf8');
    const requires = [...source.matchAll(/\brequire\s*\(([^)]*)\)/g)].map((m) => (m[1] ?? '').trim());
    expect(requires.length).toBeGreaterThan(0);
    expect(new Set(requires)).toEqual(new Set(['"electron"']));
    expect(source).not.toMatch(/\bimport\s*\(/);
    expect(source).not.toMatch(/process\.(binding|dlopen|env)/);
  });

  it('names exactly the contract channels', () => {
    const source = readFileSync(PRELOAD, 'utf8');
    const channels = new Set(source.match(/firstkey:[a-z:-]+/g) ?? []);
    expect(channels).toEqual(new Set(Object.values(IPC_CHANNELS)));
  });

  it('exposes one function per contract call on window.firstkey, and ipcRenderer never', async () => {
    const exposed: { key: string; api: unknown }[] = [];
    const invoked: { channel: string; payload: unknown }[] = [];
    const touched = new Set<string>();
    const required: string[] = [];
    const ipcRenderer = new Proxy(
      {
        invoke: async (channel: string, payload: unknown) => {
          invoked.push({ channel, payload });
          return { ok: true, value: null };
        },
      },
      {
        get(target, property, receiver) {
          touched.add(String(property));
          return Reflect.get(target, property, receiver) as unknown;
        },
      },
    );
    const contextBridge = new Proxy(
      { exposeInMainWorld: (key: string, api: unknown) => void exposed.push({ key, api }) },
      {
        get(target, property, receiver) {
          touched.add(`contextBridge.${String(property)}`);
          return Reflect.get(target, property, receiver) as unknown;
        },
      },
    );
    const module = { exports: {} };
    runInNewContext(readFileSync(PRELOAD, 'utf8'), {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
        return { contextBridge, ipcRenderer };
      },
    });

    expect(required).toEqual(['electron']);
    expect(exposed.map((e) => e.key)).toEqual(['firstkey']);
    const bridge = exposed[0]?.api as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      const fn = bridge[name];
      expect(typeof fn).toBe('function');
      expect(fn).not.toBe(ipcRenderer.invoke);
      await (fn as (request?: unknown) => Promise<unknown>)({ probe: name });
    }
    expect(invoked).toEqual(NAMES.map((name) => ({ channel: IPC_CHANNELS[name], payload: { probe: name } })));
    // Only invoke is ever used: no send/on/sendSync that would open other doors.
    expect([...touched].filter((p) => !p.startsWith('contextBridge.'))).toEqual(['invoke']);
    expect([...touched].filter((p) => p.startsWith('contextBridge.'))).toEqual(['contextBridge.exposeInMainWorld']);
  });
});
