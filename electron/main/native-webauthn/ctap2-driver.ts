import { HidAccessError, KeyNotSupportedError, NoSecurityKeyError, SecurityKey, selectKeyByTouch, type HidBus } from '../ctap2/index.js';
import { NativeCeremonyError } from './ceremony-outcome.js';
import type { KeyDriver, NativeKey } from './key-driver.js';

/** The client's own refusals in the ceremony's words; everything else (Ctap2Error, HidGoneError) passes as it is. */
function translated(error: unknown): never {
  if (error instanceof KeyNotSupportedError) {
    throw new NativeCeremonyError(error.reason === 'no_pin' ? 'no_user_verification' : 'not_supported');
  }
  if (error instanceof HidAccessError) throw new NativeCeremonyError('key_not_accessible');
  // Listed a moment ago and gone when opened: it was pulled.
  if (error instanceof NoSecurityKeyError) throw new NativeCeremonyError('key_removed');
  throw error;
}

function guarded(key: SecurityKey): NativeKey {
  const run =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      call(...args).catch(translated);
  return {
    device: key.device,
    getInfo: run(() => key.getInfo()),
    makeCredential: run((request, control) => key.makeCredential(request, control)),
    getAssertion: run((request, control) => key.getAssertion(request, control)),
    pinRetries: run(() => key.pinRetries()),
    pinToken: run((pin, permissions, rpId) => key.pinToken(pin, permissions, rpId)),
    setPin: run((pin) => key.setPin(pin)),
    close: () => key.close(),
  };
}

/** The native ceremony over electron/main/ctap2 on this bus: node-hid in the app, a software key in tests. */
export function ctap2Driver(bus: HidBus): KeyDriver {
  return {
    list: () => bus.list(),
    open: async (device) => guarded(await SecurityKey.open(bus, device).catch(translated)),
    selectByTouch: async (devices, control) => guarded(await selectKeyByTouch(bus, devices, control).catch(translated)),
  };
}
