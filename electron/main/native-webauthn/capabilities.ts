import type { ComputerCapabilities } from '../../../api/native-key.js';

export interface CapabilityFacts {
  platform: NodeJS.Platform;
  /** What platform-authenticators.ts made of Touch ID on a Mac (null elsewhere). */
  touchId: 'configured' | 'unconfigured' | null;
  /** main can reach USB security keys itself (the HID binding loaded). */
  nativeKeys: boolean;
  kiosk: boolean;
}

const PLATFORM_NAME: Partial<Record<NodeJS.Platform, ComputerCapabilities['platform']>> = {
  win32: 'windows',
  darwin: 'macos',
  linux: 'linux',
};

/**
 * What this computer can enrol, before anyone chooses: a passkey needs an authenticator built into
 * it that Electron can reach (Windows Hello; Touch ID once configured on a Mac; nothing on Linux),
 * and a station never makes one. Whether Windows Hello is set up is the page's own question
 * (isUserVerifyingPlatformAuthenticatorAvailable); this says what main knows for certain.
 */
export function computerCapabilities(facts: CapabilityFacts): ComputerCapabilities {
  const platform = PLATFORM_NAME[facts.platform] ?? 'other';
  const passkey: ComputerCapabilities['passkey'] = facts.kiosk
    ? { offered: false, reason: 'kiosk' }
    : platform === 'windows'
      ? { offered: true, reason: 'windows_hello' }
      : platform === 'macos'
        ? facts.touchId === 'configured'
          ? { offered: true, reason: 'touch_id' }
          : { offered: false, reason: 'touch_id_unconfigured' }
        : { offered: false, reason: 'no_platform_authenticator' };
  const securityKeyPin = platform !== 'windows' && facts.nativeKeys ? 'firstkey' : 'os';
  return { platform, passkey, securityKeyPin };
}
