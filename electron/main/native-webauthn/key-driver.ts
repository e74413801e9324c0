import type { HidDeviceInfo } from '../ctap2/transport.js';

/**
 * What the ceremony needs of the CTAP2 client (electron/main/ctap2), in its terms: the client's
 * SecurityKey meets it as it is (ctap2-driver.ts adapts the module's functions), and the ceremony
 * stays readable without the wire protocol in view.
 */
export type KeyStatus = 'touch_needed' | 'processing';
export interface KeyControl {
  signal?: AbortSignal;
  onStatus?: (status: KeyStatus) => void;
}
export interface KeyCredentialDescriptor {
  type: 'public-key';
  id: Uint8Array;
  transports?: string[];
}
export interface KeyPinToken {
  protocol: 1 | 2;
  token: Uint8Array;
}
export interface KeyInfo {
  versions: string[];
  options: Record<string, boolean>;
  minPinLength: number;
  /** CTAP 2.1 forcePINChange: the PIN must be changed before the key is used. */
  forcePinChange: boolean;
}

export interface NativeKey {
  /** Where the bus has it now: gone from the bus's list once it is unplugged. */
  readonly device: HidDeviceInfo;
  getInfo(): Promise<KeyInfo>;
  makeCredential(
    request: {
      clientDataHash: Uint8Array;
      rp: { id: string; name: string };
      user: { id: Uint8Array; name: string; displayName: string };
      pubKeyCredParams: { type: 'public-key'; alg: number }[];
      excludeList: KeyCredentialDescriptor[];
      options: { rk?: boolean; uv?: boolean };
      pinUvAuth?: KeyPinToken;
      attestation?: 'none' | 'direct';
    },
    control?: KeyControl,
  ): Promise<{ authData: Uint8Array; attestationObject: Uint8Array }>;
  getAssertion(
    request: {
      rpId: string;
      clientDataHash: Uint8Array;
      allowList: KeyCredentialDescriptor[];
      options: { up?: boolean; uv?: boolean };
      pinUvAuth?: KeyPinToken;
    },
    control?: KeyControl,
  ): Promise<{ credentialId: Uint8Array; authData: Uint8Array; signature: Uint8Array; userHandle: Uint8Array | null }>;
  pinRetries(): Promise<{ retries: number; powerCycleRequired: boolean }>;
  pinToken(pin: string, permissions: { makeCredential?: boolean; getAssertion?: boolean }, rpId: string): Promise<KeyPinToken>;
  setPin(pin: string): Promise<void>;
  close(): Promise<void>;
}

export interface KeyDriver {
  /** The FIDO HID devices connected now. */
  list(): Promise<HidDeviceInfo[]>;
  open(device: HidDeviceInfo): Promise<NativeKey>;
  /** Several keys: the first one touched; the others are cancelled and closed. */
  selectByTouch(devices: HidDeviceInfo[], control: KeyControl): Promise<NativeKey>;
}

/** A CTAP2 status as the client names it (Ctap2Error.code), or null for anything else. */
export function ctapCode(error: unknown): string | null {
  if (!(error instanceof Error) || !('code' in error)) return null;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && code.startsWith('CTAP') ? code : null;
}
