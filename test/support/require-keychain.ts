import { probeSecretStore, type SecretStore } from '../../electron/main/device/secret-store.js';

/** Keychain tests need a real Secret Service: fail loudly, with the way to get one, rather than skip. */
export async function requireKeychain(store: SecretStore): Promise<void> {
  const probe = await probeSecretStore(store);
  if (!probe.available) {
    throw new Error(
      `No OS keychain is reachable (${probe.reason}: ${probe.message}). ` +
        'These tests need a real one; run them through the wrapper: scripts/with-keyring.sh npx vitest run test/keychain',
    );
  }
}
