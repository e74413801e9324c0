import type { HidBus } from '../ctap2/index.js';
import type { Logger } from '../log/logger.js';
import { computerCapabilities } from './capabilities.js';
import { NativeCeremonies } from './ceremony.js';
import { ctap2Driver } from './ctap2-driver.js';
import type { NativeKeySupport } from './handlers.js';

export interface NativeKeySetup {
  platform: NodeJS.Platform;
  /** The enrolment origin: the client data main makes names it. */
  origin: string;
  kiosk: boolean;
  /** What configurePlatformAuthenticators made of Touch ID (null off macOS). */
  touchId: 'configured' | 'unconfigured' | null;
  /** node-hid in the app (ctap2/hid-bus.ts, loaded on first use); a software bus in tests. */
  bus: HidBus;
  logger?: Logger;
}

/** The controller's `nativeKeys` option, as index.ts and the e2e harness both build it. */
export function nativeKeySupport(setup: NativeKeySetup): NativeKeySupport {
  const ceremonies = new NativeCeremonies({
    driver: ctap2Driver(setup.bus),
    origin: setup.origin,
    ...(setup.logger ? { logger: setup.logger } : {}),
  });
  return {
    platform: setup.platform,
    capabilities: computerCapabilities({ platform: setup.platform, touchId: setup.touchId, nativeKeys: true, kiosk: setup.kiosk }),
    ceremonies,
  };
}

/**
 * Touch ID's keychain access group, `<TEAM_ID>.com.firstkey.enrol.webauthn`: the team is known only
 * when the build is signed, so the build writes it into the packaged package.json
 * (`firstkey.macKeychainAccessGroup`) and main reads it from there; absent, there is no Touch ID.
 */
export function keychainAccessGroupOf(packageJson: unknown): string | null {
  if (typeof packageJson !== 'object' || packageJson === null || !('firstkey' in packageJson)) return null;
  const own: unknown = packageJson.firstkey;
  if (typeof own !== 'object' || own === null || !('macKeychainAccessGroup' in own)) return null;
  const group: unknown = own.macKeychainAccessGroup;
  return typeof group === 'string' && /^[A-Z0-9]{10}\.[A-Za-z0-9.-]+$/.test(group) ? group : null;
}
