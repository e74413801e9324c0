// electron-builder configuration. Checked by test/main/security-checklist.test.ts and
// test/main/packaging-*.test.ts against electron-builder's own JSON schema and by packing
// it for real; installers are built where the Electron binary can be downloaded (`npm run dist`).
//
// Everything a signer or a deployment supplies comes from the environment at build time
// (see signingFromEnv): nothing secret, and no organisation's names, live in this repository.

const { join } = require('node:path');
const { keychainMetadata } = require('./keychain-group.cjs');
const { signingFromEnv } = require('./signing-from-env.cjs');

const signing = signingFromEnv(process.env);

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.firstkey.enrol',
  productName: 'FirstKey',
  copyright: 'FirstKey',
  directories: { output: 'dist/installers', buildResources: 'build/resources' },
  // Main and preload are bundled by esbuild; the runtime modules left outside are the native bindings.
  // node-hid ships hidapi's C sources and tests for building from source; the app loads its prebuilt binary
  // and keeps hidapi's licence texts (the top level of hidapi/), nothing else of them.
  files: [
    'dist/electron/**',
    'dist/renderer/**',
    'package.json',
    '!**/*.map',
    '!node_modules/node-hid/hidapi/*/**',
    '!node_modules/node-hid/src/**',
    '!node_modules/node-hid/binding.gyp',
    '!node_modules/node-addon-api/**',
  ],
  // Electron takes the Linux app_id (window grouping, the .desktop association) from desktopName.
  // On macOS main learns its Touch ID keychain group from here (build/keychain-group.cjs).
  extraMetadata: { desktopName: 'firstkey.desktop', ...keychainMetadata(join(__dirname, 'entitlements.mac.plist')) },
  asar: true,
  // Native bindings: the keychain, and USB HID for the CTAP2 path (loaded only when a security key needs a PIN).
  asarUnpack: ['node_modules/@napi-rs/**', 'node_modules/node-hid/**'],
  // macOS (Info.plist CFBundleURLTypes) and the deb's .desktop entry (x-scheme-handler/firstkey) come
  // from this; electron-builder's NSIS writes no scheme, so build/installer.nsh registers it per machine.
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
    // The app gets the associated domain (passkeys for the RP ID); helpers get nothing but the JIT.
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.inherit.plist',
    // Associated domains are a restricted entitlement: without a profile that grants them, macOS refuses to launch the app.
    provisioningProfile: signing.mac.provisioningProfile,
    // Notarized when APPLE_API_KEY/APPLE_API_KEY_ID/APPLE_API_ISSUER (or APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID) are set.
    notarize: signing.mac.notarize,
    // zip is what electron-updater (Squirrel.Mac) installs from; dmg is what people open.
    target: ['dmg', 'zip'],
  },
  win: {
    target: ['nsis'],
    // electron-updater checks a downloaded installer against these publisher names before running it.
    verifyUpdateCodeSignature: true,
    ...signing.win,
  },
  nsis: {
    oneClick: false,
    perMachine: true,
    allowToChangeInstallationDirectory: false,
    include: 'build/installer.nsh',
    warningsAsErrors: true,
  },
  // The deb registers firstkey: through its .desktop entry; an AppImage has no install step that could.
  linux: { target: ['deb'], category: 'Utility', maintainer: 'FirstKey', executableName: 'firstkey' },
  deb: { packageCategory: 'utils' },
  // A generic (self-hosted) feed, written into app-update.yml with the publisher names; null builds no feed.
  publish: signing.publish,
};
