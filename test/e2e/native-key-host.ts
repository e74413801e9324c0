import type { HidBus } from '../../electron/main/ctap2/transport.js';
import type { Logger } from '../../electron/main/log/logger.js';
import type { NativeKeySupport } from '../../electron/main/native-webauthn/handlers.js';
import { nativeKeySupport } from '../../electron/main/native-webauthn/support.js';

/** main's security-key path (index.ts wires node-hid): a software USB bus and the OS it stands for. */
export interface NativeKeyBus {
  bus: HidBus;
  platform: NodeJS.Platform;
  touchId: 'configured' | 'unconfigured' | null;
}

/**
 * The controller's `nativeKeys` option for one app run on one machine, as index.ts gives it on a Mac or
 * a Linux laptop; none while no spec has called useNativeKeys(), so Chromium's WebAuthn is the path.
 */
export function nativeKeysOption(
  native: NativeKeyBus | null,
  machine: { kiosk: boolean },
  origin: string,
  logger: Logger,
): { nativeKeys?: NativeKeySupport } {
  if (!native) return {};
  return { nativeKeys: nativeKeySupport({ ...native, origin, kiosk: machine.kiosk, logger }) };
}
