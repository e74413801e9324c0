import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import type { AuthenticationResponseJSON, CreationOptionsJSON, RegistrationResponseJSON, RequestOptionsJSON } from '../../api/webauthn.js';
import { concatBytes, encodeCbor } from './cbor.js';

/**
 * A software WebAuthn authenticator for Node tests and the benchmark: ES256 keys
 * from node:crypto, 'none' or 'packed' self attestation, and the client's part
 * (clientDataJSON) too, so it stands in for browser + authenticator together.
 * It does what it is told: flags and overrides exist to build refusals, so it
 * never checks them against the options the way a real authenticator would.
 */

export const ES256 = -7;

export interface AuthenticatorFlags {
  /** UP. Default true. */
  userPresent?: boolean;
  /** UV. Default true. */
  userVerified?: boolean;
  /** BE: a credential that may be synced (a multi-device passkey). Default false. */
  backupEligible?: boolean;
  /** BS. Default false. */
  backedUp?: boolean;
  /** 16 bytes, or a UUID string. Default all zeros. */
  aaguid?: Uint8Array | string;
}

export interface SoftAuthenticatorOptions extends AuthenticatorFlags {
  /** 'packed' is self attestation: the credential key signs authData || hash(clientDataJSON). Default 'none'. */
  attestation?: 'none' | 'packed';
  attachment?: 'platform' | 'cross-platform';
  transports?: string[];
  /** Initial signature counter. Default 0, as passkeys report. */
  signCount?: number;
  /** Added to a credential's counter at each assertion. Default 1 if it started above 0, else 0 (a passkey's constant 0). */
  counterStep?: number;
}

/** What the client and authenticator would put in an assertion; each override builds one negative case. */
export interface GetInput {
  origin: string;
  /** RP ID hashed into authenticatorData instead of options.rpId. */
  rpId?: string;
  /** Challenge put in clientDataJSON instead of options.challenge. */
  challenge?: string;
  /** clientDataJSON type. Default 'webauthn.get'. */
  type?: string;
  flags?: AuthenticatorFlags;
  /** Which of its credentials to use; default the first the options allow. */
  credentialId?: string;
  /** Report this counter instead of the next one (lower: what a cloned authenticator would do). */
  signCount?: number;
  /** Leave the user handle out, as a non-discoverable credential may. */
  omitUserHandle?: boolean;
  /** Put this user handle in instead of the credential's own. */
  userHandle?: string;
  /** Flip a bit of the signature. */
  corruptSignature?: boolean;
}

/** What the client and authenticator would put in the response; each override builds one negative case. */
export interface CreateInput {
  /** The origin the client reports in clientDataJSON. */
  origin: string;
  /** RP ID hashed into authenticatorData instead of options.rp.id. */
  rpId?: string;
  /** Challenge put in clientDataJSON instead of options.challenge. */
  challenge?: string;
  /** clientDataJSON type. Default 'webauthn.create'. */
  type?: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  /** Per-call flag overrides on top of the authenticator's own. */
  flags?: AuthenticatorFlags;
  attestation?: 'none' | 'packed';
  /** A fixed P-256 private scalar (32 bytes), e.g. from published test vectors. Default: a fresh key. */
  privateKey?: Uint8Array;
  /** A fixed credential ID. Default: 32 random bytes. */
  credentialId?: Uint8Array;
  /** Flip a bit of the packed attestation signature. */
  corruptSignature?: boolean;
}

export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  signCount: number;
}

export class CredentialExcludedError extends Error {
  override name = 'InvalidStateError';
}

export class AlgorithmNotOfferedError extends Error {
  override name = 'NotSupportedError';
}

/** navigator.credentials.get() finds no allowed credential on this authenticator. */
export class NoCredentialError extends Error {
  override name = 'NotAllowedError';
}

export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromB64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function aaguidBytes(aaguid: Uint8Array | string | undefined): Uint8Array {
  if (aaguid === undefined) return new Uint8Array(16);
  const bytes = typeof aaguid === 'string' ? new Uint8Array(Buffer.from(aaguid.replace(/-/g, ''), 'hex')) : aaguid;
  if (bytes.length !== 16) throw new RangeError('an AAGUID is 16 bytes');
  return bytes;
}

/** An ES256 key pair, from a given private scalar or fresh. */
export function es256KeyPair(privateScalar?: Uint8Array): { privateKey: KeyObject; x: Uint8Array; y: Uint8Array } {
  let privateKey: KeyObject;
  if (privateScalar) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateScalar);
    const point = ecdh.getPublicKey(); // 0x04 || x || y
    privateKey = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: b64url(privateScalar),
        x: b64url(point.subarray(1, 33)),
        y: b64url(point.subarray(33, 65)),
      },
    });
  } else {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error('not an EC key');
  return { privateKey, x: fromB64url(jwk.x), y: fromB64url(jwk.y) };
}

/** COSE_Key for an EC2 P-256 ES256 public key (RFC 9053), keys in CTAP2 canonical order. */
export function coseEc2PublicKey(x: Uint8Array, y: Uint8Array): Uint8Array {
  return encodeCbor(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, ES256], // alg
      [-1, 1], // crv: P-256
      [-2, x],
      [-3, y],
    ]),
  );
}

export interface AuthDataInput {
  rpId: string;
  flags: AuthenticatorFlags;
  signCount: number;
  attested?: { aaguid: Uint8Array; credentialId: Uint8Array; cosePublicKey: Uint8Array };
}

/** authenticatorData (WebAuthn L3 6.1): rpIdHash | flags | signCount | attestedCredentialData. */
export function authenticatorData(input: AuthDataInput): Uint8Array {
  const f = input.flags;
  let flags = 0;
  if (f.userPresent ?? true) flags |= 0x01;
  if (f.userVerified ?? true) flags |= 0x04;
  if (f.backupEligible) flags |= 0x08;
  if (f.backedUp) flags |= 0x10;
  if (input.attested) flags |= 0x40;
  const fixed = new Uint8Array(37);
  fixed.set(sha256(input.rpId), 0);
  fixed[32] = flags;
  new DataView(fixed.buffer).setUint32(33, input.signCount);
  if (!input.attested) return fixed;
  const { aaguid, credentialId, cosePublicKey } = input.attested;
  const idLength = new Uint8Array(2);
  new DataView(idLength.buffer).setUint16(0, credentialId.length);
  return concatBytes([fixed, aaguid, idLength, credentialId, cosePublicKey]);
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(private readonly settings: SoftAuthenticatorOptions = {}) {}

  /** navigator.credentials.create(), client and authenticator both. */
  create(options: CreationOptionsJSON, input: CreateInput): RegistrationResponseJSON {
    if (!options.pubKeyCredParams.some((p) => p.alg === ES256)) {
      throw new AlgorithmNotOfferedError('this authenticator only makes ES256 credentials');
    }
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => excluded.has(c.id))) {
      throw new CredentialExcludedError('this authenticator already holds an excluded credential');
    }
    const rpId = input.rpId ?? options.rp.id ?? new URL(input.origin).hostname;
    const flags: AuthenticatorFlags = { ...this.settings, ...input.flags };
    const { privateKey, x, y } = es256KeyPair(input.privateKey);
    const credentialId = input.credentialId ?? new Uint8Array(randomBytes(32));
    const cosePublicKey = coseEc2PublicKey(x, y);
    const signCount = this.settings.signCount ?? 0;
    const authData = authenticatorData({
      rpId,
      flags,
      signCount,
      attested: { aaguid: aaguidBytes(flags.aaguid), credentialId, cosePublicKey },
    });

    const clientData: Record<string, unknown> = {
      type: input.type ?? 'webauthn.create',
      challenge: input.challenge ?? options.challenge,
      origin: input.origin,
      crossOrigin: input.crossOrigin ?? false,
    };
    if (input.topOrigin !== undefined) clientData.topOrigin = input.topOrigin;
    const clientDataJSON = new TextEncoder().encode(JSON.stringify(clientData));

    const format = input.attestation ?? this.settings.attestation ?? 'none';
    let attStmt = new Map<string, number | Uint8Array>();
    if (format === 'packed') {
      const sig = new Uint8Array(sign('sha256', concatBytes([authData, sha256(clientDataJSON)]), privateKey));
      if (input.corruptSignature) sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x01;
      attStmt = new Map<string, number | Uint8Array>([
        ['alg', ES256],
        ['sig', sig],
      ]);
    }
    const attestationObject = encodeCbor(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
        ['fmt', format],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );

    const id = b64url(credentialId);
    this.credentials.push({ id, rpId, userHandle: options.user.id, privateKey, signCount });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    const attachment = this.settings.attachment ?? options.authenticatorSelection?.authenticatorAttachment;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: this.settings.transports ?? (attachment === 'platform' ? ['internal'] : ['usb']),
        publicKeyAlgorithm: ES256,
        publicKey: b64url(spki),
      },
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(), client and authenticator both, with a credential this authenticator made. */
  get(options: RequestOptionsJSON, input: GetInput): AuthenticationResponseJSON {
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const credential = input.credentialId
      ? this.credentials.find((c) => c.id === input.credentialId)
      : this.credentials.find((c) => allowed.size === 0 || allowed.has(c.id));
    if (!credential) throw new NoCredentialError('this authenticator holds none of the allowed credentials');
    const rpId = input.rpId ?? options.rpId ?? new URL(input.origin).hostname;
    const flags: AuthenticatorFlags = { ...this.settings, ...input.flags };
    if (input.signCount === undefined) credential.signCount += this.settings.counterStep ?? (credential.signCount > 0 ? 1 : 0);
    const authData = authenticatorData({ rpId, flags, signCount: input.signCount ?? credential.signCount });
    const clientDataJSON = new TextEncoder().encode(
      JSON.stringify({
        type: input.type ?? 'webauthn.get',
        challenge: input.challenge ?? options.challenge,
        origin: input.origin,
        crossOrigin: false,
      }),
    );
    const signature = new Uint8Array(sign('sha256', concatBytes([authData, sha256(clientDataJSON)]), credential.privateKey));
    if (input.corruptSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    const userHandle = input.omitUserHandle ? undefined : (input.userHandle ?? credential.userHandle);
    const attachment = this.settings.attachment;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === undefined ? {} : { userHandle }),
      },
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
      clientExtensionResults: {},
    };
  }
}

/** One registration response from a throwaway authenticator. */
export function softRegistration(
  options: CreationOptionsJSON,
  input: CreateInput & { authenticator?: SoftAuthenticatorOptions },
): RegistrationResponseJSON {
  return new SoftAuthenticator(input.authenticator).create(options, input);
}
