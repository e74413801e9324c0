// Touch ID in Electron needs a keychain access group that the app's signature grants. One source for
// both: the group the signed entitlements list is the group main is told about (through the packaged
// package.json), so the two can never disagree. No group in the entitlements: no Touch ID, and the app
// says why. A placeholder team id would make macOS refuse to launch the app, so none ships here.

const { readFileSync } = require('node:fs');

/** The first keychain-access-groups entry of an entitlements plist, or null. */
function keychainGroupOf(plistText) {
  const match = /<key>keychain-access-groups<\/key>\s*<array>\s*<string>([^<]+)<\/string>/.exec(plistText);
  return match ? match[1].trim() : null;
}

/** What electron-builder writes into the packaged package.json for main (firstkey.macKeychainAccessGroup). */
function keychainMetadata(entitlementsPath) {
  const group = keychainGroupOf(readFileSync(entitlementsPath, 'utf8'));
  return group ? { firstkey: { macKeychainAccessGroup: group } } : {};
}

module.exports = { keychainGroupOf, keychainMetadata };
