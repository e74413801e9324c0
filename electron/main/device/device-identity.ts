import type { DeviceKeyStatus } from '../../../api/ipc.js';
import { DeviceKeyError, loadOrCreateDeviceKey, replaceDeviceKey, type DeviceKey } from './device-key.js';
import type { SecretStore } from './secret-store.js';

/** The device key as the rest of main uses it: load it, ask how it is, replace it once it is known lost. */
export interface DeviceKeyLoader {
  (): Promise<DeviceKey>;
  /** Loads the key (creating it on a first run) and says whether it can be used. Never throws for a key problem. */
  status(): Promise<DeviceKeyStatus>;
  /**
   * Makes a new key, but only when the current one is lost: a working key is
   * never replaced on request (the renderer asks for this, and a page must not
   * be able to orphan this computer's device record). Answers the status after.
   */
  replace(): Promise<DeviceKeyStatus>;
}

function statusOf(error: unknown): DeviceKeyStatus {
  if (error instanceof DeviceKeyError) return error.code;
  throw error;
}

/**
 * The device key, loaded from the keychain on first use and kept for the life
 * of the process. A failure is not remembered: once the person unlocks or
 * installs a keychain, the next attempt succeeds.
 *
 * recordDir is where the key's public thumbprint is kept (app.getPath('userData'));
 * with it, a key deleted from the keychain is reported as lost, not silently replaced.
 */
export function deviceKeyLoader(store: SecretStore, installationId: string, recordDir?: string): DeviceKeyLoader {
  let pending: Promise<DeviceKey> | null = null;
  const load = (): Promise<DeviceKey> => {
    pending ??= loadOrCreateDeviceKey(store, { installationId, ...(recordDir === undefined ? {} : { recordDir }) }).catch(
      (error: unknown) => {
        pending = null;
        throw error;
      },
    );
    return pending;
  };
  const status = async (): Promise<DeviceKeyStatus> => {
    try {
      await load();
      return 'ready';
    } catch (error) {
      return statusOf(error);
    }
  };
  const replace = async (): Promise<DeviceKeyStatus> => {
    const before = await status();
    if (before !== 'device_key_lost' || recordDir === undefined) return before;
    const replaced = replaceDeviceKey(store, { installationId, recordDir });
    pending = replaced;
    try {
      await replaced;
      return 'ready';
    } catch (error) {
      pending = null;
      return statusOf(error);
    }
  };
  return Object.assign(load, { status, replace });
}
