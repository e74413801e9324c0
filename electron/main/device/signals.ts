import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname, release, type, version } from 'node:os';
import type { DeviceSignals } from '../../../api/enrolment.js';
import { deviceName, friendlyOsName, parseEnvFile } from './os-name.js';

const PLATFORMS = new Set(['darwin', 'win32', 'linux']);

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The computer's name as its owner sees it in the OS's own settings: macOS's Computer Name
 * ("Ada's MacBook Pro", not the "Adas-MacBook-Pro.local" host name), Linux's pretty host name
 * (what GNOME's "Device Name" sets, in /etc/machine-info), else the host name (on Windows that is
 * the "Device name" of Settings).
 */
function computerName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') {
    try {
      // A fixed path, no shell; once per start, and it answers in milliseconds.
      const named = execFileSync('/usr/sbin/scutil', ['--get', 'ComputerName'], { encoding: 'utf8', timeout: 2000 }).trim();
      if (named) return named;
    } catch {
      // Fall through to the host name.
    }
    return hostname().replace(/\.local$/i, '');
  }
  if (platform === 'linux') {
    const pretty = parseEnvFile(readText('/etc/machine-info') ?? '')
      .get('PRETTY_HOSTNAME')
      ?.trim();
    if (pretty) return pretty;
  }
  return hostname();
}

/** os-release(5): /etc/os-release, else /usr/lib/os-release. */
function osReleaseText(): string | null {
  return readText('/etc/os-release') ?? readText('/usr/lib/os-release');
}

/**
 * What the server learns about this machine: a name people recognise (the computer's name and
 * the OS's own name for itself), the OS version and the app version. No user data, no hardware
 * identifiers.
 */
export function collectDeviceSignals(appVersion: string, kiosk: boolean): DeviceSignals {
  const platform = process.platform;
  const osName = friendlyOsName({
    platform,
    release: release(),
    version: version(),
    type: type(),
    osRelease: platform === 'linux' ? osReleaseText() : null,
  });
  return {
    name: deviceName(computerName(platform), osName),
    platform: PLATFORMS.has(platform) ? (platform as DeviceSignals['platform']) : 'other',
    // The kernel or build number stays in osVersion: IT judges patch levels by it.
    osVersion: release().slice(0, 64),
    appVersion: appVersion.slice(0, 32),
    kind: kiosk ? 'kiosk' : 'personal',
  };
}
