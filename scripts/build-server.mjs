// Bundles the verification server and its admin CLI for plain `node` (ESM, Node 24):
//
//   dist/server/main.js, admin.js   the commands (package.json "bin"): turn on Node's compile cache,
//                                   then import their bundle
//   dist/server/lib/server.js       server/main.ts and everything it imports but the externals below
//   dist/server/lib/admin.js        server/admin/main.ts, likewise
//   dist/server/lib/kdf-worker.js   the recovery-code KDF thread; kdf-pool.ts, inlined into both
//                                   bundles, looks for it beside the bundle it runs from
//
// Why the split: the bundle is 2-3 MB of JavaScript, and parsing it was about a third of the
// server's start (bench/RESULTS.md). module.enableCompileCache() keeps V8's compiled code on disk
// (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; keyed by content, so a rebuild is never
// served stale code), but it only covers modules loaded after it is called, hence a launcher.
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

// Another directory as the first argument (test/server/compiled-server.test.ts builds its own);
// it must sit inside the repository, where the externals resolve from node_modules.
const OUT = process.argv[2] ?? 'dist/server';

// Native addons and what they load must stay files resolved from node_modules at run time:
// better-sqlite3 (a .node binary found through `bindings`), pg (requires the optional native
// client pg-native only when it is installed, which a bundler would try to resolve now).
const external = ['better-sqlite3', 'pg', 'pg-native'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  external,
  outdir: `${OUT}/lib`,
  sourcemap: 'linked',
  // Whitespace and syntax only: identifiers keep their names in stack traces and in error names
  // (CodedError names itself after new.target.name). Dropping comments also leaves the output pure
  // ASCII, which Node reads as a one-byte string, measurably faster to decode and parse. Licence
  // comments go to a .LEGAL.txt beside each bundle instead.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
};

await rm(OUT, { recursive: true, force: true });

const bundles = await build({
  ...common,
  entryPoints: { server: 'server/main.ts', admin: 'server/admin/main.ts' },
  // CommonJS dependencies (fastify, pino, ...) call require for Node's built-ins; an ES module has none.
  banner: { js: "import { createRequire as __firstkeyRequire } from 'node:module'; const require = __firstkeyRequire(import.meta.url);" },
});
await build({ ...common, entryPoints: { 'kdf-worker': 'server/recovery/kdf-worker.ts' } });

// Bundling renames a top-level class whose name collides with another module's (ApiFailure ->
// ApiFailure2), and new.target.name would follow. esbuild's keepNames prevents it but costs about
// 25 ms of start-up, so refuse the build instead if it ever happens to one of our classes.
const ownSources = Object.keys(bundles.metafile.inputs).filter((file) => /^(server|api)\//.test(file));
const ownClasses = new Set();
for (const file of ownSources) {
  for (const [, name] of (await readFile(file, 'utf8')).matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)) ownClasses.add(name);
}
for (const bundle of ['server.js', 'admin.js']) {
  const code = await readFile(`${OUT}/lib/${bundle}`, 'utf8');
  for (const [, renamed, base] of code.matchAll(/\bclass\s+(([A-Za-z_$][\w$]*?)\d+)\b/g)) {
    if (ownClasses.has(base) && !ownClasses.has(renamed)) {
      throw new Error(`esbuild renamed class ${base} to ${renamed} in ${bundle}: rename one of the colliding classes`);
    }
  }
}

const launcher = (bundle) => `#!/usr/bin/env node
// Written by scripts/build-server.mjs. The compile cache must be on before the bundle is loaded.
import { enableCompileCache } from 'node:module';
enableCompileCache();
await import('./lib/${bundle}');
`;
await writeFile(`${OUT}/main.js`, launcher('server.js'), { mode: 0o755 });
await writeFile(`${OUT}/admin.js`, launcher('admin.js'), { mode: 0o755 });
await Promise.all([chmod(`${OUT}/main.js`, 0o755), chmod(`${OUT}/admin.js`, 0o755)]);
console.log(`built ${OUT}/main.js and ${OUT}/admin.js (bundles and the KDF worker in ${OUT}/lib/)`);
