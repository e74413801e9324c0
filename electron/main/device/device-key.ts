// Main process only; no 'electron' import, so it is testable in plain Node.
//
// The device key: an ES256 (ECDSA P-256) key pair that signs every DPoP
// proof (RFC 9449) the app sends. The server binds sessions and the device
// record to its RFC 7638 thumbprint, so the key must be the same on every
// run of this installation.
//
// Where it lives: the private JWK is kept only in the OS keychain (a
// SecretStore), under service 'FirstKey' and account
// 'device-key:<installation id>'. It is never written to disk by this app,
// and there is no fallback to a file: without a keychain,
// loadOrCreateDeviceKey throws KeychainUnavailableError.
//
// A stored value that cannot be read back as a valid key is reported as
// DeviceKeyCorruptError and left in place. It is NOT silently replaced: a
// new key has a new thumbprint, which would orphan the device record and
// every session bound to the old key, and would hide tampering or a bug.
// Replacing the key is a deliberate act for the rebind/recovery flow, which
// first deletes the entry (store.delete(service, deviceKeyAccount(id))) and
// then registers the new key with the server.
//
// A missing entry is not always a first run. When the app's user data holds
// the thumbprint of a key this installation had (recordDir, see
// thumbprint-record.ts), a missing or different key is reported as
// DeviceKeyLostError instead of being replaced behind the person's back: the
// server still has a device record for the old key, and the person has to be
// told and sent through a way back. replaceDeviceKey is that deliberate act.
//
// Concurrency: two processes creating the key at the same moment could both
// write; the app holds Electron's single-instance lock, and a read-back after
// the write catches a lost race instead of returning a key that is not the
// stored one.
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import { randomBytes } from 'node:crypto';
import { SecretStoreError, describeSecretStoreError, type SecretStore, type SecretStoreErrorCode } from './secret-store.js';
import { CodedError } from '../../../api/coded-error.js';
import { readRecordedThumbprint, recordThumbprint } from './thumbprint-record.js';

export const DEVICE_KEY_SERVICE = 'FirstKey';
export const DEVICE_KEY_ALG = 'ES256';
/** Version of the stored record; bump when its shape changes. */
const RECORD_VERSION = 1;

export interface DeviceKeyOptions {
  /**
   * Identifies this installation (an id from managed config, or the
   * enrolment origin). One key per installation id.
   */
  installationId: string;
  /** Keychain service name; defaults to 'FirstKey'. */
  service?: string;
  /**
   * Where the key's public thumbprint is recorded (app.getPath('userData') in
   * the app). Without it a missing key is simply created, as on a first run:
   * only for tools and tests that model no installation.
   */
  recordDir?: string;
}

/** The public half as a JWK: exactly the RFC 7638 members, no private part. */
export interface DevicePublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

export interface DeviceKey {
  alg: typeof DEVICE_KEY_ALG;
  /** Non-extractable; usable with jose's SignJWT / CompactSign. */
  privateKey: CryptoKey;
  publicJwk: Readonly<DevicePublicJwk>;
  /** RFC 7638 SHA-256 thumbprint of publicJwk, base64url. */
  thumbprint: string;
  /** True if this call generated and stored the key. */
  created: boolean;
}

export type DeviceKeyErrorCode = 'keychain_unavailable' | 'device_key_corrupt' | 'device_key_lost';

export class DeviceKeyError extends CodedError<DeviceKeyErrorCode> {}

/** No usable OS keychain; the device key is neither loaded nor created. */
export class KeychainUnavailableError extends DeviceKeyError {
  declare readonly code: 'keychain_unavailable';
  readonly reason: SecretStoreErrorCode;

  constructor(reason: SecretStoreErrorCode, options?: { cause?: unknown }) {
    super(
      'keychain_unavailable',
      `No OS keychain is available: ${describeSecretStoreError(reason)}. ` +
        'FirstKey keeps its device key only in the OS keychain and will not store it in clear on disk.',
      options,
    );
    this.reason = reason;
  }
}

export type DeviceKeyCorruptReason =
  /** Not JSON. */
  | 'not_json'
  /** JSON, but not the record shape this version writes. */
  | 'bad_shape'
  /** Written by a newer FirstKey; left alone so that version can still read it. */
  | 'unsupported_version'
  /** The shape is right but the key material is not a valid P-256 key. */
  | 'invalid_key'
  /** The private and public parts do not belong together. */
  | 'key_mismatch';

/** The keychain holds a device key entry that cannot be used. Never holds the value. */
export class DeviceKeyCorruptError extends DeviceKeyError {
  declare readonly code: 'device_key_corrupt';
  readonly reason: DeviceKeyCorruptReason;

  constructor(reason: DeviceKeyCorruptReason, options?: { cause?: unknown }) {
    super(
      'device_key_corrupt',
      `The device key stored in the OS keychain cannot be used (${reason}). ` +
        'It was left unchanged; replacing it requires binding this device again.',
      options,
    );
    this.reason = reason;
  }
}

export type DeviceKeyLostReason =
  /** The keychain has no entry, but this installation recorded a key. */
  | 'missing'
  /** The keychain holds a usable key, but not the one this installation recorded. */
  | 'replaced';

/**
 * This installation had a device key that the keychain no longer holds. Nothing
 * was created or changed; replaceDeviceKey makes the new one when the person
 * chooses to go on.
 */
export class DeviceKeyLostError extends DeviceKeyError {
  declare readonly code: 'device_key_lost';
  readonly reason: DeviceKeyLostReason;

  constructor(reason: DeviceKeyLostReason) {
    super(
      'device_key_lost',
      reason === 'missing'
        ? "This installation's device key is no longer in the OS keychain. A new one is made only when the person chooses a way back."
        : 'The OS keychain holds a different device key from the one this installation recorded. It was left unchanged.',
    );
    this.reason = reason;
  }
}

const INSTALLATION_ID = /^[A-Za-z0-9._~:/@-]{1,200}$/;

/** The keychain account holding the device key of an installation. */
export function deviceKeyAccount(installationId: string): string {
  if (!INSTALLATION_ID.test(installationId)) {
    throw new TypeError('installationId must be 1-200 characters of letters, digits and . _ ~ : / @ -');
  }
  return `device-key:${installationId}`;
}

/** What the keychain entry holds (JSON). */
interface StoredDeviceKey {
  v: typeof RECORD_VERSION;
  alg: typeof DEVICE_KEY_ALG;
  jwk: DevicePublicJwk & { d: string };
}

/** A P-256 coordinate or scalar: 32 bytes, base64url without padding. */
const B64URL_32 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRecord(stored: string): StoredDeviceKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    // No cause: a JSON parse error may quote part of the stored value.
    throw new DeviceKeyCorruptError('not_json');
  }
  if (!isRecord(parsed) || typeof parsed.v !== 'number') throw new DeviceKeyCorruptError('bad_shape');
  if (parsed.v > RECORD_VERSION) throw new DeviceKeyCorruptError('unsupported_version');
  const { v, alg, jwk } = parsed;
  if (v !== RECORD_VERSION || alg !== DEVICE_KEY_ALG || !isRecord(jwk)) throw new DeviceKeyCorruptError('bad_shape');
  const { kty, crv, x, y, d } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string' || typeof d !== 'string') {
    throw new DeviceKeyCorruptError('bad_shape');
  }
  if (!B64URL_32.test(x) || !B64URL_32.test(y) || !B64URL_32.test(d)) throw new DeviceKeyCorruptError('invalid_key');
  return { v: RECORD_VERSION, alg: DEVICE_KEY_ALG, jwk: { kty, crv, x, y, d } };
}

async function keyFromRecord(record: StoredDeviceKey): Promise<Omit<DeviceKey, 'created'>> {
  const { kty, crv, x, y, d } = record.jwk;
  const publicJwk: Readonly<DevicePublicJwk> = Object.freeze({ kty, crv, x, y });
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = await importJWK({ kty, crv, x, y, d }, DEVICE_KEY_ALG, { extractable: false });
    publicKey = await importJWK({ ...publicJwk }, DEVICE_KEY_ALG);
  } catch {
    // No cause: the import error is about the key material.
    throw new DeviceKeyCorruptError('invalid_key');
  }
  // Sign and verify a nonce: proves d belongs to (x, y) before the server
  // ever sees a proof from this key.
  try {
    const jws = await new CompactSign(randomBytes(16)).setProtectedHeader({ alg: DEVICE_KEY_ALG }).sign(privateKey);
    await compactVerify(jws, publicKey);
  } catch {
    throw new DeviceKeyCorruptError('key_mismatch');
  }
  return {
    alg: DEVICE_KEY_ALG,
    privateKey,
    publicJwk,
    thumbprint: await calculateJwkThumbprint({ ...publicJwk }, 'sha256'),
  };
}

async function inKeychain<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const reason = err instanceof SecretStoreError ? err.code : 'platform_error';
    // SecretStoreError carries no secret; anything else is not passed on.
    throw new KeychainUnavailableError(reason, err instanceof SecretStoreError ? { cause: err } : undefined);
  }
}

async function generateRecord(): Promise<{ record: StoredDeviceKey; serialised: string }> {
  const { privateKey } = await generateKeyPair(DEVICE_KEY_ALG, { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  if (kty !== 'EC' || crv !== 'P-256' || x === undefined || y === undefined || d === undefined) {
    throw new Error('generateKeyPair returned an unexpected key type');
  }
  const record: StoredDeviceKey = {
    v: RECORD_VERSION,
    alg: DEVICE_KEY_ALG,
    jwk: { kty: 'EC', crv: 'P-256', x, y, d },
  };
  return { record, serialised: JSON.stringify(record) };
}

/**
 * Loads this installation's device key from the OS keychain, creating and
 * storing it on first run.
 *
 * @throws KeychainUnavailableError when the keychain cannot be read or written.
 * @throws DeviceKeyCorruptError when the stored entry is not a usable key.
 * @throws DeviceKeyLostError when options.recordDir names a key the keychain no longer holds.
 */
export async function loadOrCreateDeviceKey(store: SecretStore, options: DeviceKeyOptions): Promise<DeviceKey> {
  const service = options.service ?? DEVICE_KEY_SERVICE;
  const account = deviceKeyAccount(options.installationId);
  const { recordDir } = options;
  const recorded = recordDir === undefined ? null : await readRecordedThumbprint(recordDir, options.installationId);

  const stored = await inKeychain(() => store.get(service, account));
  if (stored !== null) {
    const key = await keyFromRecord(parseRecord(stored));
    if (recorded !== null && recorded !== key.thumbprint) throw new DeviceKeyLostError('replaced');
    // A key from before thumbprints were recorded is adopted as it is.
    if (recorded === null && recordDir !== undefined) await recordThumbprint(recordDir, options.installationId, key.thumbprint);
    return { ...key, created: false };
  }
  if (recorded !== null) throw new DeviceKeyLostError('missing');
  return createAndStore(store, service, account, options);
}

async function createAndStore(store: SecretStore, service: string, account: string, options: DeviceKeyOptions): Promise<DeviceKey> {
  const { record, serialised } = await generateRecord();
  await inKeychain(() => store.set(service, account, serialised));
  // Only hand out a key the keychain demonstrably holds: a key that is not
  // stored would be lost on the next run, and its device record with it.
  const readBack = await inKeychain(() => store.get(service, account));
  if (readBack !== serialised) throw new KeychainUnavailableError('readback_mismatch');
  const key = await keyFromRecord(record);
  if (options.recordDir !== undefined) await recordThumbprint(options.recordDir, options.installationId, key.thumbprint);
  return { ...key, created: true };
}

/**
 * Makes a new device key for this installation, whatever the keychain holds,
 * and records its thumbprint: the person chose a way back after being told
 * the old key was lost. The server sees a new device from then on.
 */
export async function replaceDeviceKey(store: SecretStore, options: DeviceKeyOptions & { recordDir: string }): Promise<DeviceKey> {
  const service = options.service ?? DEVICE_KEY_SERVICE;
  const account = deviceKeyAccount(options.installationId);
  await inKeychain(() => store.delete(service, account));
  return createAndStore(store, service, account, options);
}
