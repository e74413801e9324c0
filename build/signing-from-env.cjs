// The parts of the packaging config a signer or a deployment supplies, read from the
// environment when electron-builder loads build/electron-builder.config.cjs. Certificates and
// passwords never pass through here: electron-builder reads CSC_LINK / CSC_KEY_PASSWORD
// (WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD for Windows), and Azure's own tooling reads
// AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET. A half-given setting stops the
// build with the variable's name, because a silently unsigned or unverifiable build is worse.

/** Apple's notarization credentials, as electron-builder's @electron/notarize integration reads them. */
const APPLE_CREDENTIAL_SETS = [
  ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
  ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  ['APPLE_KEYCHAIN', 'APPLE_KEYCHAIN_PROFILE'],
];

const AZURE_SETTINGS = ['FIRSTKEY_AZURE_SIGNING_ENDPOINT', 'FIRSTKEY_AZURE_SIGNING_ACCOUNT', 'FIRSTKEY_AZURE_CERTIFICATE_PROFILE'];

class SigningSettingError extends Error {
  constructor(setting, message) {
    super(`${setting}: ${message}`);
    this.name = 'SigningSettingError';
    this.setting = setting;
  }
}

function value(env, name) {
  const raw = env[name];
  return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : null;
}

function updateFeed(env) {
  const url = value(env, 'FIRSTKEY_UPDATE_URL');
  if (url === null) return null;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new SigningSettingError('FIRSTKEY_UPDATE_URL', `not a URL: ${url}`);
  }
  // Updates are code: a feed anyone on the path can rewrite is refused here as it is at run time.
  if (parsed.protocol !== 'https:') throw new SigningSettingError('FIRSTKEY_UPDATE_URL', 'must be an https:// URL');
  if (parsed.username || parsed.password) throw new SigningSettingError('FIRSTKEY_UPDATE_URL', 'must not carry credentials');
  return [{ provider: 'generic', url: parsed.href }];
}

function windowsSigning(env) {
  const publisherName = value(env, 'FIRSTKEY_WIN_PUBLISHER_NAME');
  // The app matches the whole subject DN before it runs an update: a bare common name would build an app that never updates.
  if (publisherName !== null && !/^CN=[^,]+(,\s*[A-Za-z.0-9]+=[^,]+)+$/.test(publisherName)) {
    throw new SigningSettingError(
      'FIRSTKEY_WIN_PUBLISHER_NAME',
      `must be the signing certificate's full subject DN as Windows prints it (CN=..., O=..., C=...), not ${JSON.stringify(publisherName)}`,
    );
  }
  const azureGiven = AZURE_SETTINGS.filter((name) => value(env, name) !== null);
  if (azureGiven.length === 0) {
    // signtool with CSC_LINK / WIN_CSC_LINK; without a name electron-builder takes the certificate's common name.
    return publisherName === null ? {} : { signtoolOptions: { publisherName } };
  }
  const missing = [...AZURE_SETTINGS, 'FIRSTKEY_WIN_PUBLISHER_NAME'].filter((name) => value(env, name) === null);
  if (missing.length > 0) throw new SigningSettingError(missing[0], `Azure Trusted Signing also needs ${missing.join(', ')}`);
  return {
    azureSignOptions: {
      publisherName,
      endpoint: value(env, 'FIRSTKEY_AZURE_SIGNING_ENDPOINT'),
      codeSigningAccountName: value(env, 'FIRSTKEY_AZURE_SIGNING_ACCOUNT'),
      certificateProfileName: value(env, 'FIRSTKEY_AZURE_CERTIFICATE_PROFILE'),
    },
  };
}

function macSigning(env) {
  let notarize = false;
  for (const set of APPLE_CREDENTIAL_SETS) {
    const given = set.filter((name) => value(env, name) !== null);
    if (given.length === set.length) notarize = true;
    // APPLE_TEAM_ID alone is also used for signing; only a partial API-key or keychain set is a mistake.
    else if (given.length > 0 && !(given.length === 1 && given[0] === 'APPLE_TEAM_ID')) {
      const missing = set.filter((name) => value(env, name) === null);
      throw new SigningSettingError(missing[0], `notarization with ${given.join(', ')} also needs ${missing.join(', ')}`);
    }
  }
  return { provisioningProfile: value(env, 'FIRSTKEY_MAC_PROVISIONING_PROFILE'), notarize };
}

/** @param {Record<string, string | undefined>} env */
function signingFromEnv(env) {
  return { publish: updateFeed(env), win: windowsSigning(env), mac: macSigning(env) };
}

module.exports = { signingFromEnv, SigningSettingError, APPLE_CREDENTIAL_SETS, AZURE_SETTINGS };
