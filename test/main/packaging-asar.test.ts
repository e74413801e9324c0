import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSE_OFF, FUSE_ON, packForLinux, type PackedApp } from './packaging-stand-in.js';

/**
 * Issue 10, "The packaged app is checked": electron-builder packs this checkout
 * with our config (see packaging-stand-in.ts for the one stand-in, Electron's
 * own binary), and the test reads what came out: the ASAR's file list, the
 * unpacked native module, the fuses in the executable, app-update.yml, and
 * the deb's .desktop entry.
 */

const ROOT = process.cwd();
const require = createRequire(import.meta.url);
const UPDATE_URL = 'https://updates.corp.example/firstkey/';

interface AsarModule {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, filename: string): Buffer;
  statFile(archive: string, filename: string): { unpacked?: boolean; size?: number; files?: unknown };
}
const asar = require('@electron/asar') as AsarModule;

let packed: PackedApp;
let files: string[];

beforeAll(async () => {
  const config = require(join(ROOT, 'build', 'electron-builder.config.cjs')) as Record<string, unknown>;
  const { signingFromEnv } = require(join(ROOT, 'build', 'signing-from-env.cjs')) as {
    signingFromEnv: (env: Record<string, string>) => { publish: unknown };
  };
  packed = await packForLinux({ ...config, publish: signingFromEnv({ FIRSTKEY_UPDATE_URL: UPDATE_URL }).publish });
  files = asar
    .listPackage(packed.asar, { isPack: false })
    .map((entry) => entry.split(sep).join('/'))
    .filter((entry) => asar.statFile(packed.asar, entry.slice(1)).files === undefined);
}, 120_000);

afterAll(() => {
  if (packed.appOutDir) rmSync(dirname(dirname(packed.appOutDir)), { recursive: true, force: true });
});

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [relative(ROOT, full).split(sep).join('/')];
  });
}

function packageOf(path: string): string | null {
  const match = /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return match?.[1] ?? null;
}

describe('The packaged app is checked', () => {
  it('packs exactly the built app: main, preload, renderer and package.json, without source maps', () => {
    const app = files.filter((path) => !path.startsWith('/node_modules/'));
    const built = [...walk(join(ROOT, 'dist', 'electron')), ...walk(join(ROOT, 'dist', 'renderer'))]
      .filter((path) => !path.endsWith('.map'))
      .map((path) => `/${path}`);
    expect(new Set(app)).toEqual(new Set([...built, '/package.json']));
    expect(app).toContain('/dist/electron/main/index.js');
    expect(app).toContain('/dist/electron/preload/index.cjs');
    expect(app).toContain('/dist/renderer/index.html');
  });

  it('holds no tests, TypeScript sources, source maps, server code or secrets', () => {
    const sources = /\.(ts|tsx|mts|cts|map)$/;
    const projectDirs = /^\/(test|server|scripts|bench|api|electron|renderer|build|deploy|\.firstkey-data)\//;
    const testFiles = /(^|\/)(__tests__|tests?)\/|\.(test|spec)\.[cm]?js$/;
    const secrets = /\.(sqlite|pem|key|p12|pfx|env)$/;
    const forbidden = files.filter((path) => sources.test(path) || projectDirs.test(path) || testFiles.test(path) || secrets.test(path));
    expect(forbidden).toEqual([]);
  });

  it('carries only the runtime dependencies (the keychain and USB HID bindings) and what they need, no dev dependency', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
    };
    // What the app's own dependencies pull in at run time, by the lock file.
    const needed = new Set<string>();
    const visit = (name: string): void => {
      if (needed.has(name)) return;
      needed.add(name);
      const entry = lock.packages[`node_modules/${name}`];
      for (const dep of Object.keys({ ...entry?.dependencies, ...entry?.optionalDependencies })) visit(dep);
    };
    Object.keys(manifest.dependencies).forEach(visit);
    const packages = new Set(files.map(packageOf).filter((name): name is string => name !== null));
    expect(packages).toContain('@napi-rs/keyring');
    expect(packages).toContain('node-hid');
    for (const name of packages) {
      expect(needed.has(name), name).toBe(true);
      expect(Object.keys(manifest.devDependencies), name).not.toContain(name);
    }
  });

  it('unpacks the native keychain and USB HID binaries from the ASAR (a .node file cannot be loaded from inside it)', () => {
    const native = files.filter((path) => path.endsWith('.node'));
    expect(native.some((path) => path.startsWith('/node_modules/@napi-rs/'))).toBe(true);
    expect(native.some((path) => path.startsWith('/node_modules/node-hid/'))).toBe(true);
    // Bundled into main, node-hid would look for its binary beside the bundle and never find it.
    expect(asar.extractFile(packed.asar, 'dist/electron/main/index.js').toString('utf8')).toMatch(/import\(["']node-hid["']\)/);
    for (const path of native) {
      expect(asar.statFile(packed.asar, path.slice(1)).unpacked, path).toBe(true);
      expect(existsSync(join(packed.appOutDir, 'resources', 'app.asar.unpacked', ...path.slice(1).split('/'))), path).toBe(true);
    }
  });

  it("starts from the bundled main, and names the Linux desktop entry Electron's app_id comes from", () => {
    const manifest = JSON.parse(asar.extractFile(packed.asar, 'package.json').toString('utf8')) as { main: string; desktopName: string };
    expect(files).toContain(`/${manifest.main}`);
    expect(manifest.desktopName).toBe('firstkey.desktop');
  });

  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; ASAR integrity, ASAR-only loading and cookie encryption on', async () => {
    const wire = await getCurrentFuseWire(packed.executable);
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      nodeOptions: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      inspect: wire[FuseV1Options.EnableNodeCliInspectArguments],
      asarIntegrity: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      cookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      fileProtocolPrivileges: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({
      runAsNode: FUSE_OFF,
      nodeOptions: FUSE_OFF,
      inspect: FUSE_OFF,
      asarIntegrity: FUSE_ON,
      onlyAsar: FUSE_ON,
      cookieEncryption: FUSE_ON,
      fileProtocolPrivileges: FUSE_OFF,
    });
  });

  it('writes the update feed from FIRSTKEY_UPDATE_URL into app-update.yml (generic provider)', () => {
    const appUpdate = parse(readFileSync(join(packed.appOutDir, 'resources', 'app-update.yml'), 'utf8')) as Record<string, unknown>;
    expect(appUpdate).toMatchObject({ provider: 'generic', url: UPDATE_URL });
  });
});

describe('Deep links: the AppImage registers no scheme, so the deb is the Linux default', () => {
  it('builds the deb alone for Linux', () => {
    const config = require(join(ROOT, 'build', 'electron-builder.config.cjs')) as { linux: { target: string[] } };
    expect(config.linux.target).toEqual(['deb']);
  });

  it("registers firstkey: in the deb's .desktop entry and passes the link to the app (%U)", () => {
    const entry = Object.fromEntries(
      packed.desktopEntry
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    ) as Record<string, string>;
    expect(entry.MimeType?.split(';')).toContain('x-scheme-handler/firstkey');
    expect(entry.Exec).toMatch(/^\/opt\/FirstKey\/firstkey %U$/);
    expect(entry.StartupWMClass).toBe('firstkey');
  });
});
