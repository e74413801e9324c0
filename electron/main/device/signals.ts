import { hostname, release } from 'node:os';
import type { DeviceSignals } from '../../../api/enrolment.js';

const PLATFORMS = new Set(['darwin', 'win32', 'linux']);

/**
 * What the server learns about this machine: a name people recognise (the host
 * name), the OS and the app version. No user data, no hardware identifiers.
 */
export function collectDeviceSignals(appVersion: string, kiosk: boolean): DeviceSignals {
  return {
    name: hostname().slice(0, 100) || 'unnamed device',
    platform: PLATFORMS.has(process.platform) ? (process.platform as DeviceSignals['platform']) : 'other',
    osVersion: release().slice(0, 64),
    appVersion: appVersion.slice(0, 32),
    kind: kiosk ? 'kiosk' : 'personal',
  };
}
