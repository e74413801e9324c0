// Copies the packages the bundled server loads from disk at run time, with everything they depend
// on, into <out>/node_modules: the versions package-lock.json pins, as `npm ci` installed (and, for
// better-sqlite3, compiled) them here. The container image's runtime stage takes only this.
//
//   node deploy/runtime-modules.mjs <out>
//
// Walking the lock file rather than running `npm ci --omit=dev` keeps the set right whichever way
// package.json classifies these packages, and reuses the addon built in the build stage instead of
// needing a compiler (or the network) a second time.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// What scripts/build-server.mjs leaves outside the bundle. pg-native is left out of the bundle too,
// but pg loads it only when it is installed, and FirstKey does not install it.
const RUNTIME_PACKAGES = ['better-sqlite3', 'pg'];

// better-sqlite3 at run time is its JavaScript and the compiled addon; its SQLite sources and the
// compiler's intermediate files (tens of megabytes) only matter for building it.
const ONLY = { 'node_modules/better-sqlite3': ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node'] };

// Dependencies a package declares for its install script only: better-sqlite3 runs prebuild-install
// to fetch its addon at `npm ci`, then loads the addon through `bindings` alone.
const INSTALL_ONLY = { 'node_modules/better-sqlite3': ['prebuild-install'] };

function fail(message) {
  console.error(`runtime-modules: ${message}`);
  process.exit(1);
}

/** The lock-file key Node's resolution would find for `name` required from the package at `from`. */
function locate(packages, from, name) {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return null;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

function closure(packages) {
  const found = new Set();
  const queue = RUNTIME_PACKAGES.map((name) => ({ from: '', name, optional: false }));
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift();
    const key = locate(packages, from, name);
    if (!key || !existsSync(join(ROOT, key, 'package.json'))) {
      // Optional and platform-specific packages are legitimately absent.
      if (optional) continue;
      fail(`${name} (needed by ${from || 'the server'}) is not installed; run npm ci first`);
    }
    if (found.has(key)) continue;
    found.add(key);
    const entry = packages[key];
    const installed = JSON.parse(readFileSync(join(ROOT, key, 'package.json'), 'utf8')).version;
    if (installed !== entry.version) fail(`${key} is ${installed} on disk but ${entry.version} in package-lock.json; run npm ci`);
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const skip = INSTALL_ONLY[key] ?? [];
    for (const dep of Object.keys(entry.dependencies ?? {})) {
      if (!skip.includes(dep)) queue.push({ from: key, name: dep, optional: false });
    }
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push({ from: key, name: dep, optional: true });
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      queue.push({ from: key, name: dep, optional: Boolean(optionalPeers[dep]?.optional) });
    }
  }
  return [...found].sort();
}

function copyPackage(key, out) {
  const from = join(ROOT, key);
  const to = join(out, key);
  const only = ONLY[key];
  if (only) {
    for (const part of only) {
      if (!existsSync(join(from, part))) fail(`${key}/${part} is missing; was the package built (npm ci runs its install script)?`);
      mkdirSync(dirname(join(to, part)), { recursive: true });
      cpSync(join(from, part), join(to, part), { recursive: true });
    }
    return;
  }
  // A package's own node_modules holds other lock-file entries, copied in their own right if needed.
  cpSync(from, to, { recursive: true, filter: (source) => source !== join(from, 'node_modules') });
}

const out = process.argv[2];
if (!out) fail('usage: node deploy/runtime-modules.mjs <out>  (writes <out>/node_modules)');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
if (!lock.packages) fail('package-lock.json has no "packages" map (lockfileVersion 2 or later is needed)');
const keys = closure(lock.packages);
rmSync(join(resolve(out), 'node_modules'), { recursive: true, force: true });
for (const key of keys) copyPackage(key, resolve(out));
console.log(
  `runtime-modules: ${keys.length} packages into ${join(resolve(out), 'node_modules')}: ${keys.map((k) => k.slice('node_modules/'.length)).join(', ')}`,
);
