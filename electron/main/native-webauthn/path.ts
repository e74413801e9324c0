/**
 * Which code runs a WebAuthn ceremony: the page's navigator.credentials (Electron hands it to the
 * OS or to Chromium's own stack), or FirstKey's CTAP2 client in main. Electron shows no PIN prompt
 * on macOS or Linux (electron/electron#24573, #36766), so a security key that must verify the
 * person goes the native way there; Windows' webauthn.dll asks for the PIN itself, and passkeys are
 * the OS's business everywhere.
 */
export type CeremonyPath = 'os' | 'native';

export interface CeremonyPathQuestion {
  platform: NodeJS.Platform;
  factor: 'passkey' | 'security-key';
  /** The session's options as the server built them (authenticatorSelection.userVerification or the request's). */
  userVerification: 'required' | 'preferred' | 'discouraged' | undefined;
  /** Known only once a key has been asked (getInfo): a key with a PIN set cannot be used without one. */
  keyHasPin?: boolean;
}

/** The platforms where Electron's own WebAuthn cannot collect a security key's PIN. */
const NO_PIN_PROMPT: ReadonlySet<NodeJS.Platform> = new Set(['darwin', 'linux', 'freebsd', 'openbsd']);

export function chooseCeremonyPath({ platform, factor, userVerification, keyHasPin }: CeremonyPathQuestion): CeremonyPath {
  if (factor === 'passkey' || !NO_PIN_PROMPT.has(platform)) return 'os';
  return userVerification === 'required' || keyHasPin === true ? 'native' : 'os';
}
