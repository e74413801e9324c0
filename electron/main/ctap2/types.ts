/**
 * The shapes the native ceremony (electron/main/native-webauthn/) uses to talk to a security key;
 * fixed by the contract between the CTAP2 client, the software authenticator and the ceremony.
 */

export type PinProtocol = 1 | 2;

export interface AuthenticatorInfo {
  versions: string[];
  extensions: string[];
  aaguid: Uint8Array;
  /** e.g. { rk, up, uv?, clientPin?, pinUvAuthToken?, plat? }: an absent option is not supported. */
  options: Record<string, boolean>;
  /** Supported, in the key's order of preference; [1] for a CTAP 2.0 key that names none. */
  pinUvAuthProtocols: PinProtocol[];
  /** In Unicode code points; 4 when the key does not say (CTAP 2.1 §6.5.1). */
  minPinLength: number;
  transports: string[];
  /** getInfo 0x0C (CTAP 2.1): the key gives no token until its PIN is changed (changePin). */
  forcePinChange: boolean;
}

/** From CTAPHID_KEEPALIVE: UPNEEDED is 'touch_needed', PROCESSING is 'processing'. */
export type KeyStatus = 'touch_needed' | 'processing';

export interface Control {
  /** Aborting sends CTAPHID_CANCEL and rejects with Ctap2Error CTAP2_ERR_KEEPALIVE_CANCEL. */
  signal?: AbortSignal;
  onStatus?: (status: KeyStatus) => void;
}

/** Never logged; the client zeroes it on close(). */
export interface PinUvAuthToken {
  protocol: PinProtocol;
  token: Uint8Array;
}

export interface CredentialDescriptor {
  type: 'public-key';
  id: Uint8Array;
  transports?: string[];
}

export interface MakeCredentialRequest {
  clientDataHash: Uint8Array;
  rp: { id: string; name: string };
  user: { id: Uint8Array; name: string; displayName: string };
  pubKeyCredParams: { type: 'public-key'; alg: number }[];
  excludeList: CredentialDescriptor[];
  /** uv only for built-in UV without a PIN token. */
  options: { rk?: boolean; uv?: boolean };
  /** The client computes pinUvAuthParam = authenticate(token, clientDataHash). */
  pinUvAuth?: PinUvAuthToken;
  /** Informational: the key always returns its attestation; the caller decides what to forward. */
  attestation?: 'none' | 'direct';
}

export interface MakeCredentialResult {
  fmt: string;
  authData: Uint8Array;
  attStmt: Map<string, unknown>;
  /** CBOR {fmt, attStmt, authData} with WebAuthn's text keys. */
  attestationObject: Uint8Array;
}

export interface GetAssertionRequest {
  rpId: string;
  clientDataHash: Uint8Array;
  allowList: CredentialDescriptor[];
  options: { up?: boolean; uv?: boolean };
  pinUvAuth?: PinUvAuthToken;
}

export interface GetAssertionResult {
  credentialId: Uint8Array;
  authData: Uint8Array;
  signature: Uint8Array;
  userHandle: Uint8Array | null;
}
