// electron-builder configuration. Checked by test/main/security-checklist.test.ts against
// electron-builder's own JSON schema; installers are built where the Electron
// binary can be downloaded (`npm run dist`).

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.firstkey.enrol',
  productName: 'FirstKey',
  copyright: 'FirstKey',
  directories: { output: 'dist/installers', buildResources: 'build/resources' },
  // Main and preload are bundled by esbuild; the only runtime module left outside is the native keychain binding.
  files: ['dist/electron/**', 'dist/renderer/**', 'package.json', '!**/*.map'],
  asar: true,
  asarUnpack: ['node_modules/@napi-rs/**'],
  protocols: [{ name: 'FirstKey enrolment link', schemes: ['firstkey'] }],
  // Electron fuses, flipped at package time (DESIGN.md trust boundaries).
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    enableCookieEncryption: true,
    grantFileProtocolExtraPrivileges: false,
    loadBrowserProcessSpecificV8Snapshot: false,
  },
  mac: {
    category: 'public.app-category.business',
    hardenedRuntime: true,
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
    target: ['dmg', 'zip'],
  },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: true, allowToChangeInstallationDirectory: false },
  linux: { target: ['AppImage', 'deb'], category: 'Utility', maintainer: 'FirstKey' },
  // Updates are published only signed; the feed is set per deployment.
  publish: null,
};
