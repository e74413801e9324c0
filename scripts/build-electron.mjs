// Bundles the main process (ESM) and the sandboxed preload (CommonJS: sandboxed
// preloads cannot load ES modules or local files, so everything is inlined).
import { build } from 'esbuild';

// Electron 40 and later embed Node 24 (package.json pins electron ^45), so the bundles need no downlevelling below it.
const common = { bundle: true, platform: 'node', target: 'node24', sourcemap: false, logLevel: 'warning', external: ['electron'] };

await build({
  ...common,
  entryPoints: ['electron/main/index.ts'],
  outfile: 'dist/electron/main/index.js',
  format: 'esm',
  // Native and keychain modules stay outside the bundle; electron-builder unpacks them from the ASAR.
  external: ['electron', '@napi-rs/keyring', 'node-hid'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: ['electron/preload/index.ts'],
  outfile: 'dist/electron/preload/index.cjs',
  format: 'cjs',
});
console.log('built dist/electron/main/index.js and dist/electron/preload/index.cjs');
