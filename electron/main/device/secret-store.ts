// Main process only, but deliberately free of 'electron' imports so it runs
// (and is tested) in plain Node against the real OS keychain.
//
// The one place FirstKey touches the OS keychain: macOS Keychain, Windows
// Credential Manager, or a freedesktop Secret Service (gnome-keyring,
// KWallet, KeePassXC) on Linux, through @napi-rs/keyring.
//
// Error messages and `platformMessage` never contain the secret: the secret
// being written is redacted from anything the platform says, and nothing
// here logs.
import { randomBytes, randomUUID } from 'node:crypto';
import { AsyncEntry } from '@napi-rs/keyring';
import * as napiKeytar from '@napi-rs/keyring/keytar.js';
import { CodedError } from '../../../api/coded-error.js';

/** Async access to secrets held by the OS keychain, keyed by service + account. */
export interface SecretStore {
  /** The secret, or null if there is none for this service and account. */
  get(service: string, account: string): Promise<string | null>;
  /** Creates or replaces the secret. */
  set(service: string, account: string, secret: string): Promise<void>;
  /** True if a secret was deleted, false if there was none. */
  delete(service: string, account: string): Promise<boolean>;
}

/**
 * The keytar function shape (getPassword/setPassword/deletePassword), which
 * both `@napi-rs/keyring/keytar.js` and the archived `keytar` package export.
 */
export interface KeytarCompatible {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Why the keychain cannot be used. */
export type SecretStoreErrorCode =
  /** Linux: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset or unreachable). */
  | 'no_session_bus'
  /** Linux: a session bus, but nothing provides org.freedesktop.secrets on it. */
  | 'no_secret_service'
  /** Linux: a Secret Service without a default keyring (collection) to write to. */
  | 'no_default_keyring'
  /** The keychain is locked and unlocking was refused or could not be prompted. */
  | 'locked'
  /** The OS refused this process access to the keychain. */
  | 'access_denied'
  /** A write was accepted but reading it back gave something else. */
  | 'readback_mismatch'
  /** Anything the platform reported that none of the above describes. */
  | 'platform_error';

export type SecretStoreOperation = 'get' | 'set' | 'delete';

const DESCRIPTIONS: Record<SecretStoreErrorCode, string> = {
  no_session_bus:
    'no D-Bus session bus is reachable (DBUS_SESSION_BUS_ADDRESS is unset or points nowhere), so no Secret Service can be reached',
  no_secret_service:
    'a D-Bus session bus is running but no Secret Service (gnome-keyring, KWallet, KeePassXC) provides org.freedesktop.secrets on it',
  no_default_keyring: 'the Secret Service has no default keyring to store secrets in',
  locked: 'the keychain is locked and could not be unlocked (the unlock prompt was dismissed or could not be shown)',
  access_denied: 'the operating system refused access to the keychain',
  readback_mismatch: 'the keychain accepted a secret but returned something else when it was read back',
  platform_error: 'the keychain reported an unexpected error',
};

/** A plain-language description of a keychain failure, without any secret. */
export function describeSecretStoreError(code: SecretStoreErrorCode): string {
  return DESCRIPTIONS[code];
}

/** A keychain operation failed. Holds no secret, and no raw platform error. */
export class SecretStoreError extends CodedError<SecretStoreErrorCode> {
  constructor(
    code: SecretStoreErrorCode,
    readonly operation: SecretStoreOperation,
    /** What the platform said, with the secret redacted; for diagnostics. */
    readonly platformMessage?: string,
  ) {
    super(code, `Keychain ${operation} failed: ${describeSecretStoreError(code)}.`);
  }
}

/**
 * Maps a platform error message to a code. The binding reports every failure
 * as a GenericFailure, so the message text (from keyring-rs, D-Bus, the
 * Security framework) is all there is to go on; unknown text becomes
 * 'platform_error' rather than a guess.
 */
export function classifyPlatformError(message: string): SecretStoreErrorCode {
  if (
    /Failed to connect to socket|autolaunch|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error\.(NoServer|FileNotFound|Disconnected)/i.test(
      message,
    )
  ) {
    return 'no_session_bus';
  }
  if (/org\.freedesktop\.secrets was not provided|ServiceUnknown|NameHasNoOwner/i.test(message)) {
    return 'no_secret_service';
  }
  if (/Secret Service: no result found/i.test(message)) return 'no_default_keyring';
  if (/prompt was dismissed|is locked|interaction is not allowed/i.test(message)) return 'locked';
  if (/AccessDenied|access denied|not authori[sz]ed|user canceled/i.test(message)) return 'access_denied';
  return 'platform_error';
}

const MAX_PLATFORM_MESSAGE = 300;

function toSecretStoreError(err: unknown, operation: SecretStoreOperation, secret?: string): SecretStoreError {
  if (err instanceof SecretStoreError) return err;
  let message = err instanceof Error ? err.message : String(err);
  if (secret !== undefined && secret.length > 0) message = message.split(secret).join('[redacted]');
  return new SecretStoreError(classifyPlatformError(message), operation, message.slice(0, MAX_PLATFORM_MESSAGE));
}

/**
 * Keytar-shaped access pinned to the freedesktop Secret Service.
 *
 * Why not `@napi-rs/keyring/keytar.js` as is on Linux: when no Secret
 * Service is reachable it silently falls back to the kernel keyutils
 * keyring, which lives in memory and is gone after a reboot. A device key
 * kept there would vanish and orphan the server's device record, so on
 * Linux we require the Secret Service and report its absence instead.
 * The options bag is ignored on macOS and Windows.
 */
export const secretServiceKeytar: KeytarCompatible = {
  // async: the entry constructor throws synchronously when the store is
  // unavailable; inside an async function that becomes a rejection.
  async getPassword(service, account) {
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } }).getPassword();
  },
  async setPassword(service, account, password) {
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } }).setPassword(password);
  },
  async deletePassword(service, account) {
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } }).deletePassword();
  },
};

/** The backend used when none is given: see `secretServiceKeytar` for Linux. */
export function defaultKeytarBackend(platform: NodeJS.Platform = process.platform): KeytarCompatible {
  return platform === 'linux' ? secretServiceKeytar : napiKeytar;
}

/** A SecretStore over any keytar-compatible module. */
export class KeytarSecretStore implements SecretStore {
  readonly #keytar: KeytarCompatible;

  constructor(keytar: KeytarCompatible = defaultKeytarBackend()) {
    this.#keytar = keytar;
  }

  async get(service: string, account: string): Promise<string | null> {
    try {
      return await this.#keytar.getPassword(service, account);
    } catch (err) {
      throw toSecretStoreError(err, 'get');
    }
  }

  async set(service: string, account: string, secret: string): Promise<void> {
    try {
      await this.#keytar.setPassword(service, account, secret);
    } catch (err) {
      throw toSecretStoreError(err, 'set', secret);
    }
  }

  async delete(service: string, account: string): Promise<boolean> {
    try {
      return await this.#keytar.deletePassword(service, account);
    } catch (err) {
      throw toSecretStoreError(err, 'delete');
    }
  }
}

export type SecretStoreProbe =
  | { available: true }
  | {
      available: false;
      reason: SecretStoreErrorCode;
      /** Plain-language explanation, safe to show and to log. */
      message: string;
      /** The failing step. */
      operation: SecretStoreOperation;
      /** What the platform said (no secret); for diagnostics. */
      platformMessage?: string;
    };

export interface ProbeOptions {
  /** Service name the probe entry is written under. */
  service?: string;
}

/**
 * Checks that the keychain really works: writes a throw-away random value
 * under a fresh account, reads it back, deletes it. On a desktop this may
 * show the OS unlock prompt, which is intended.
 */
export async function probeSecretStore(store: SecretStore, options: ProbeOptions = {}): Promise<SecretStoreProbe> {
  const service = options.service ?? 'FirstKey';
  const account = `probe:${randomUUID()}`;
  const value = randomBytes(24).toString('base64url');
  let step: SecretStoreOperation = 'set';
  let written = false;
  try {
    await store.set(service, account, value);
    written = true;
    step = 'get';
    const readBack = await store.get(service, account);
    if (readBack !== value) throw new SecretStoreError('readback_mismatch', 'get');
    step = 'delete';
    const deleted = await store.delete(service, account);
    written = false;
    if (!deleted) {
      throw new SecretStoreError('platform_error', 'delete', 'delete found no entry right after it was written');
    }
    return { available: true };
  } catch (err) {
    const failure = toSecretStoreError(err, step, value);
    if (written) {
      // Best effort: leave no probe entry behind; the first failure is what matters.
      await store.delete(service, account).catch(() => undefined);
    }
    return {
      available: false,
      reason: failure.code,
      message: describeSecretStoreError(failure.code),
      operation: failure.operation,
      ...(failure.platformMessage === undefined ? {} : { platformMessage: failure.platformMessage }),
    };
  }
}
