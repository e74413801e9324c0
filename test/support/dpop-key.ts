import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface ProofOptions {
  /** The session token the request carries: the proof then binds its hash (`ath`). */
  accessToken?: string;
  /** Seconds since the epoch; default: the key's clock. */
  iat?: number;
  jti?: string;
  /** Claim another URL or method than the request's, for negative cases. */
  htu?: string;
  htm?: string;
}

/**
 * A device key for server tests: ES256, signing RFC 9449 DPoP proofs. Written
 * independently of the app's own signer (electron/main/device), so the server is
 * checked against a second reading of the RFC rather than against itself.
 */
export class DpopKey {
  private constructor(
    private readonly privateKey: PrivateKey,
    readonly publicJwk: JWK,
    /** JWK SHA-256 thumbprint (RFC 7638): what the server binds sessions and devices to. */
    readonly jkt: string,
    private readonly now: () => number,
  ) {}

  static async create(now: () => number = Date.now): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    return new DpopKey(privateKey, jwk, await calculateJwkThumbprint(jwk, 'sha256'), now);
  }

  async proof(method: string, url: string, opts: ProofOptions = {}): Promise<string> {
    const u = new URL(opts.htu ?? url);
    const claims: Record<string, string> = { htm: opts.htm ?? method, htu: `${u.protocol}//${u.host}${u.pathname}` };
    if (opts.accessToken !== undefined) claims.ath = createHash('sha256').update(opts.accessToken).digest('base64url');
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk })
      .setJti(opts.jti ?? randomBytes(16).toString('base64url'))
      .setIssuedAt(opts.iat ?? Math.floor(this.now() / 1000))
      .sign(this.privateKey);
  }

  /** The headers of one request: its proof, and `Authorization: DPoP <token>` when a session exists. */
  async headers(method: string, url: string, token?: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { dpop: await this.proof(method, url, token === undefined ? {} : { accessToken: token }) };
    if (token !== undefined) headers.authorization = `DPoP ${token}`;
    return headers;
  }
}
