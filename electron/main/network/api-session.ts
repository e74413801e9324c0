// Kept free of 'electron' imports (README "Where code runs"): index.ts hands in
// the session, typed here by the few members used, so this runs in plain Node tests.
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { chainVerifiesToPinned } from './pinned-ca.js';

/** The in-memory partition API calls go through: never the renderer's, whose https scheme serves the bundled app. */
export const API_PARTITION = 'firstkey-api';

/** Results a certificate verify proc answers with (Electron's session.setCertificateVerifyProc). */
export const CERTIFICATE_ACCEPT = 0;
/** Keep Chromium's own verdict, and its error code when it refused. */
export const CERTIFICATE_USE_CHROMIUM_VERDICT = -3;

/** Chromium's net::OK: the chain is trusted (OS store, revocation, transparency and all). */
export const NET_OK = 0;
/**
 * net::ERR_CERT_AUTHORITY_INVALID: the only refusal a pin may overturn. Revoked,
 * expired, weak, misnamed or otherwise invalid chains keep Chromium's refusal.
 */
export const NET_ERR_CERT_AUTHORITY_INVALID = -202;

/** The part of Electron's Certificate used here. */
export interface PresentedCertificate {
  /** PEM */
  data: string;
  fingerprint: string;
  /** Undefined, or the certificate itself, at the end of what was presented. */
  issuerCert?: PresentedCertificate | undefined;
}

/** The part of Electron's certificate verify Request used here. */
export interface CertificateVerifyRequest {
  hostname: string;
  certificate: PresentedCertificate;
  /** For the log only: Chromium's net::ErrorToString, e.g. 'net::OK', 'net::ERR_CERT_AUTHORITY_INVALID'. */
  verificationResult: string;
  /** Chromium's net error: 0 when trusted, else negative (-202 authority invalid, -206 revoked, ...). What decisions use. */
  errorCode: number;
}

export type CertificateVerifyProc = (request: CertificateVerifyRequest, callback: (result: number) => void) => void;

/** The part of Electron's Session used here. */
export interface ApiSession {
  setProxy(config: { mode: 'system' }): Promise<void>;
  setCertificateVerifyProc(proc: CertificateVerifyProc | null): void;
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

export interface ApiNetworkOptions {
  /** The verification API; pinned certificates are honoured for its host only. */
  serverUrl: string;
  /** Managed configuration's extraCaCertificates (parsed by its schema): roots or server certificates trusted besides the OS store. */
  extraCaCertificates?: readonly X509Certificate[];
  logger: Logger;
  now?: () => Date;
}

/** The presented chain as PEM, leaf first. */
export function presentedChain(certificate: PresentedCertificate): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  for (
    let current: PresentedCertificate | undefined = certificate;
    current && !seen.has(current.fingerprint);
    current = current.issuerCert
  ) {
    seen.add(current.fingerprint);
    chain.push(current.data);
  }
  return chain;
}

/**
 * Chromium's verdict stands whenever it is OK (the OS trust store, revocation
 * and certificate transparency all had their say), and whenever it refused for
 * any reason but an unknown authority. Only a chain for the API host that
 * Chromium refused because no trusted root issued it is looked at again,
 * against the pinned set.
 */
export function pinnedCertificateVerifier(
  host: string,
  pinned: readonly X509Certificate[],
  logger: Logger,
  now: () => Date = () => new Date(),
): CertificateVerifyProc {
  return (request, callback) => {
    if (request.errorCode === NET_OK || bare(request.hostname) !== bare(host)) {
      callback(CERTIFICATE_USE_CHROMIUM_VERDICT);
      return;
    }
    if (
      request.errorCode === NET_ERR_CERT_AUTHORITY_INVALID &&
      chainVerifiesToPinned(request.hostname, presentedChain(request.certificate), pinned, now())
    ) {
      logger.info('tls.pinned_certificate_accepted', { host: request.hostname, reason: request.verificationResult });
      callback(CERTIFICATE_ACCEPT);
      return;
    }
    logger.warn('tls.certificate_refused', { host: request.hostname, reason: request.verificationResult });
    callback(CERTIFICATE_USE_CHROMIUM_VERDICT);
  };
}

/** IPv6 hosts come with or without brackets depending on who spells them. */
function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

/**
 * Prepares the API session and returns the fetch the API client uses. Electron's
 * net stack, unlike Node's fetch, follows the system proxy settings (PAC and
 * WPAD included), answers proxy authentication with the OS's integrated
 * credentials, and trusts the OS certificate store, which is where IT installs
 * a TLS-inspecting proxy's root. NODE_EXTRA_CA_CERTS cannot help: the fuses
 * turn NODE_OPTIONS-style environment off in packaged builds.
 */
export async function configureApiSession(session: ApiSession, options: ApiNetworkOptions): Promise<typeof fetch> {
  await session.setProxy({ mode: 'system' });
  const pinned = options.extraCaCertificates ?? [];
  if (pinned.length > 0) {
    const host = new URL(options.serverUrl).hostname;
    session.setCertificateVerifyProc(pinnedCertificateVerifier(host, pinned, options.logger, options.now));
  }
  options.logger.info('network.ready', { pinnedCertificates: pinned.length });
  return (input, init) => session.fetch(input instanceof URL ? input.href : input, init);
}
