import type { Logger } from './log/logger.js';

/**
 * The parts of Electron's `app` and `Session` this needs (index.ts passes the real ones; this file
 * stays plain Node, as the README's "Where code runs" asks, and test/main/platform-authenticators
 * checks it against a recorder).
 */
export interface WebAuthnApp {
  /** Electron 42 and later, macOS only. */
  configureWebAuthn?: (options: { touchID?: { keychainAccessGroup: string; promptReason?: string }; platformPasskeys?: boolean }) => void;
}
export interface WebAuthnSession {
  on(
    event: 'select-webauthn-account',
    listener: (
      event: unknown,
      details: { relyingPartyId: string; accounts: { credentialId: string }[] },
      callback: (credentialId?: string | null) => void,
    ) => void,
  ): unknown;
}

export interface PlatformAuthenticatorOptions {
  platform: NodeJS.Platform;
  app: WebAuthnApp;
  /** The renderer's session: Touch ID keeps its credentials per session partition. */
  session: WebAuthnSession;
  /**
   * `<TEAM_ID>.com.firstkey.enrol.webauthn`, also in the signed app's keychain-access-groups
   * entitlement; null where the build does not know its team (then no Touch ID, and the page says so).
   */
  keychainAccessGroup: string | null;
  /** The Touch ID prompt's "<App> is trying to …", in the person's language. */
  promptReason?: string;
  kiosk: boolean;
  logger?: Logger;
}

/**
 * Platform passkeys on a Mac. FirstKey turns on Touch ID (Secure Enclave, bound to this Mac) and
 * leaves Apple's platform passkeys (ASAuthorizationController) off: those sync through the person's
 * credential provider, which the contractor and privileged tiers refuse, and they report the RP ID
 * as the origin in clientDataJSON, which the server does not accept as the enrolment origin.
 * A station never makes a passkey (it is a shared machine). Returns what the page is told.
 */
export function configurePlatformAuthenticators(options: PlatformAuthenticatorOptions): 'configured' | 'unconfigured' | null {
  if (options.platform !== 'darwin') return null;
  const { app, session, keychainAccessGroup, logger } = options;
  if (options.kiosk) return 'unconfigured';
  if (!app.configureWebAuthn) {
    logger?.warn('webauthn.touch_id_unavailable', { reason: 'electron_too_old' });
    return 'unconfigured';
  }
  if (!keychainAccessGroup) {
    logger?.warn('webauthn.touch_id_unavailable', { reason: 'no_keychain_access_group' });
    return 'unconfigured';
  }
  app.configureWebAuthn({
    touchID: { keychainAccessGroup, ...(options.promptReason ? { promptReason: options.promptReason } : {}) },
    platformPasskeys: false,
  });
  // Without a listener Electron cancels every get() that finds a discoverable Touch ID credential.
  // The page always names the person's credentials (allowCredentials), so more than one is a
  // question FirstKey cannot answer for them: it cancels, and the page says so, rather than guess.
  session.on('select-webauthn-account', (_event, details, callback) => {
    const [only, ...others] = details.accounts;
    callback(only && others.length === 0 ? only.credentialId : null);
  });
  logger?.info('webauthn.touch_id_configured');
  return 'configured';
}
