import { loadOrCreateDeviceKey, type DeviceKey } from './device-key.js';
import type { SecretStore } from './secret-store.js';

/**
 * The device key, loaded from the keychain on first use and kept for the life
 * of the process. A failure is not remembered: once the person unlocks or
 * installs a keychain, the next attempt succeeds.
 */
export function deviceKeyLoader(store: SecretStore, installationId: string): () => Promise<DeviceKey> {
  let pending: Promise<DeviceKey> | null = null;
  return () => {
    pending ??= loadOrCreateDeviceKey(store, { installationId }).catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
}
