import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Packs the app for real with electron-builder (its file matching, node-module
 * collection, ASAR writer, fuse flipping) from this checkout, against a
 * stand-in for the Electron distribution: the one thing that cannot be
 * downloaded here (DESIGN.md). The stand-in executable carries Electron's fuse
 * sentinel and a fuse wire with Electron's shipped (permissive) defaults, so
 * what the package holds afterwards is what electron-builder and our config did.
 */

const ROOT = process.cwd();
const require = createRequire(import.meta.url);

/** @electron/fuses' sentinel: the fuse wire follows it as version, length, one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
export const FUSE_ON = 0x31;
export const FUSE_OFF = 0x30;
/** Electron's defaults in fuse-wire order (RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadAppFromAsar, V8Snapshot, GrantFileProtocol, WasmTrapHandlers). */
const ELECTRON_DEFAULT_WIRE = [FUSE_ON, FUSE_OFF, FUSE_ON, FUSE_ON, FUSE_OFF, FUSE_OFF, FUSE_OFF, FUSE_ON, FUSE_ON];

export interface PackedApp {
  readonly appOutDir: string;
  readonly executable: string;
  readonly asar: string;
  /** The .desktop entry electron-builder writes into the deb for this config. */
  readonly desktopEntry: string;
}

function standInElectronDist(dir: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  const executable = join(dir, 'electron');
  const wire = Buffer.from([1, ELECTRON_DEFAULT_WIRE.length, ...ELECTRON_DEFAULT_WIRE]);
  writeFileSync(executable, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(FUSE_SENTINEL), wire]));
  chmodSync(executable, 0o755);
  return dir;
}

/** The built app electron-builder packs (npm test builds it first; a lone run builds it here). */
export function ensureBuiltApp(): void {
  if (
    !existsSync(join(ROOT, 'dist', 'electron', 'main', 'index.js')) ||
    !existsSync(join(ROOT, 'dist', 'electron', 'preload', 'index.cjs'))
  ) {
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: ROOT, stdio: 'pipe' });
  }
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [require.resolve('vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  }
}

interface LinuxPackagerLike {
  executableName: string;
  platformSpecificBuildOptions: Record<string, unknown>;
  config: Record<string, unknown>;
}

interface ElectronBuilderModule {
  build: (options: { projectDir: string; targets: unknown; publish: 'never'; config: Record<string, unknown> }) => Promise<string[]>;
  Platform: { LINUX: { createTarget(type: string): unknown } };
}

export async function packForLinux(config: Record<string, unknown>): Promise<PackedApp> {
  ensureBuiltApp();
  const work = mkdtempSync(join(tmpdir(), 'firstkey-pack-'));
  const { build, Platform } = require('electron-builder') as ElectronBuilderModule;
  const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
    LinuxTargetHelper: new (packager: LinuxPackagerLike) => { computeDesktopEntry(options: Record<string, unknown>): Promise<string> };
  };
  const { version } = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string };
  let desktopEntry = '';
  let appOutDir = '';
  let executable = '';
  const directories = (config.directories ?? {}) as Record<string, unknown>;
  await build({
    projectDir: ROOT,
    targets: Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: {
      ...config,
      electronDist: standInElectronDist(join(work, 'electron-dist')),
      electronVersion: version,
      npmRebuild: false,
      directories: { ...directories, output: join(work, 'out') },
      // The deb's .desktop entry, computed exactly as the deb target computes it (its fpm step needs a download).
      afterPack: async (context: { appOutDir: string; packager: LinuxPackagerLike }) => {
        appOutDir = context.appOutDir;
        executable = join(context.appOutDir, context.packager.executableName);
        const helper = new LinuxTargetHelper(context.packager);
        const debOptions = {
          ...context.packager.platformSpecificBuildOptions,
          ...((context.packager.config.deb ?? {}) as Record<string, unknown>),
        };
        desktopEntry = await helper.computeDesktopEntry(debOptions);
      },
    },
  });
  return { appOutDir, executable, asar: join(appOutDir, 'resources', 'app.asar'), desktopEntry };
}
