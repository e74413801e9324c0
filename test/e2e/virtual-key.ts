import type { CDPSession } from '@playwright/test';
import type { SoftAuthenticator } from '../support/soft-authenticator.js';

/** A credential as Chromium's virtual authenticator exports it (DevTools protocol WebAuthn.Credential). */
export interface KeyCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface AuthenticatorOptions {
  transport: 'internal' | 'usb';
  /** false: the key waits for a touch that never comes, as when the person walks away. */
  touched?: boolean;
  /** Keep the authenticator already there (a security key plugged into a computer with a platform authenticator). */
  alongside?: boolean;
  /** A passkey that syncs to other devices (backup eligible and backed up), as a password manager's would. */
  synced?: boolean;
}

/** Chromium's virtual authenticator in the attached page: 'internal' stands for a platform passkey, 'usb' for a security key. */
export class VirtualKey {
  private cdp: CDPSession | null = null;
  private authenticatorId: string | null = null;

  /** A newly attached page starts with no authenticator. */
  async attach(cdp: CDPSession): Promise<void> {
    this.cdp = cdp;
    this.authenticatorId = null;
    await cdp.send('WebAuthn.enable');
  }

  /** The credentials it holds, private keys included: what a security key carries. */
  async contents(): Promise<KeyCredential[]> {
    if (!this.cdp || !this.authenticatorId) throw new Error('no authenticator');
    return (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId })).credentials;
  }

  /** A security key with these credentials (a key carried to another computer, or found). */
  async plug(credentials: KeyCredential[], options: { alongside?: boolean } = {}): Promise<void> {
    await this.add({ transport: 'usb', ...options });
    const { cdp, authenticatorId } = this;
    if (!cdp || !authenticatorId) throw new Error('no authenticator after adding one');
    for (const credential of credentials) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    }
  }

  async add(options: AuthenticatorOptions): Promise<void> {
    if (!this.cdp) throw new Error('attach a page first');
    if (this.authenticatorId && !options.alongside)
      await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.authenticatorId });
    const { authenticatorId } = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: options.transport,
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: options.touched ?? true,
        ...(options.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
      },
    });
    this.authenticatorId = authenticatorId;
  }

  /**
   * Runs `navigate` with the security key left plugged in, as a real one stays in a station across a
   * wipe: Chromium's virtual one goes with the page's process when it loads about:blank, so it is
   * plugged back in afterwards, unchanged.
   */
  async keptAcross(navigate: () => Promise<void>): Promise<void> {
    const carried = this.authenticatorId ? await this.contents() : [];
    await navigate();
    if (carried.length === 0) return;
    if (!this.cdp) throw new Error('attach a page first');
    await this.cdp.send('WebAuthn.enable');
    this.authenticatorId = null;
    await this.plug(carried);
  }
}

/** A software authenticator's credentials as Chromium's virtual authenticator takes them: a key enrolled outside the browser, plugged in. */
export function keyContents(key: SoftAuthenticator): KeyCredential[] {
  return key.credentials.map((credential) => ({
    credentialId: Buffer.from(credential.id, 'base64url').toString('base64'),
    isResidentCredential: false,
    rpId: credential.rpId,
    privateKey: credential.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    userHandle: Buffer.from(credential.userHandle, 'base64url').toString('base64'),
    signCount: credential.signCount,
  }));
}
