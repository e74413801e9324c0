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
//
// The native binding is loaded on first use, never at import: a missing or
// broken binary must become the app's own "keychain unavailable" message, not
// a crash before any window exists (test/main/secret-store-loading.test.ts
// checks that no main-process module imports it statically).
import { randomBytes, randomUUID } from 'node:crypto';
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
  /** The keychain module (a native binary shipped with the app) could not be loaded. */
  | 'binding_unavailable'
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
  binding_unavailable:
    'the part of FirstKey that talks to the keychain is missing or damaged on this computer (the installation is incomplete)',
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

/** The part of @napi-rs/keyring FirstKey uses: one entry per service + account. */
export interface KeyringEntryClass {
  new (
    service: string,
    account: string,
    options?: { linux?: { store?: 'secret-service' } },
  ): {
    getPassword(): Promise<string | null | undefined>;
    setPassword(password: string): Promise<void>;
    deletePassword(): Promise<boolean>;
  };
}

/** Loads the native keychain binding; rejects when the binary is missing or cannot be loaded. */
export type KeyringLoader = () => Promise<KeyringEntryClass>;

/** The real binding, imported on first use only. */
export const loadNapiKeyring: KeyringLoader = async () => (await import('@napi-rs/keyring')).AsyncEntry;

/**
 * Keytar-shaped access over the binding's entries.
 *
 * Why the Secret Service is pinned on Linux (and not `@napi-rs/keyring/keytar.js`
 * used as is): when no Secret Service is reachable that module silently falls
 * back to the kernel keyutils keyring, which lives in memory and is gone after
 * a reboot. A device key kept there would vanish and orphan the server's
 * device record, so on Linux we require the Secret Service and report its
 * absence instead. Elsewhere the options are those of keytar.js, so entries
 * are shared with it.
 */
export function keyringKeytar(Entry: KeyringEntryClass, platform: NodeJS.Platform = process.platform): KeytarCompatible {
  const options = platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  // async: the entry constructor throws synchronously when the store is
  // unavailable; inside an async function that becomes a rejection.
  return {
    async getPassword(service, account) {
      return (await new Entry(service, account, options).getPassword()) ?? null;
    },
    async setPassword(service, account, password) {
      await new Entry(service, account, options).setPassword(password);
    },
    async deletePassword(service, account) {
      return new Entry(service, account, options).deletePassword();
    },
  };
}

/**
 * Keytar-shaped access that loads the binding on the first call. A load
 * failure becomes SecretStoreError('binding_unavailable') on that call (and is
 * tried again on the next: a repaired installation needs no restart of this object).
 */
export function lazyKeytar(load: KeyringLoader = loadNapiKeyring, platform: NodeJS.Platform = process.platform): KeytarCompatible {
  let loaded: Promise<KeytarCompatible> | undefined;
  function backend(operation: SecretStoreOperation): Promise<KeytarCompatible> {
    loaded ??= load().then(
      (Entry) => keyringKeytar(Entry, platform),
      (err: unknown) => {
        loaded = undefined;
        throw new SecretStoreError('binding_unavailable', operation, loadFailureMessage(err));
      },
    );
    return loaded;
  }
  return {
    getPassword: async (service, account) => (await backend('get')).getPassword(service, account),
    setPassword: async (service, account, password) => (await backend('set')).setPassword(service, account, password),
    deletePassword: async (service, account) => (await backend('delete')).deletePassword(service, account),
  };
}

/** What the loader said, for diagnostics: the module resolver's code and first line, no stack. */
function loadFailureMessage(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
  const message = err instanceof Error ? err.message : String(err);
  return `${code}${message.split('\n')[0] ?? ''}`.slice(0, MAX_PLATFORM_MESSAGE);
}

/** The backend used when none is given: the binding, loaded on first use. */
export function defaultKeytarBackend(platform: NodeJS.Platform = process.platform): KeytarCompatible {
  return lazyKeytar(loadNapiKeyring, platform);
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
