import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { DevicePosture } from '../../../api/posture.js';
import { gnomeScreenLock, linuxOsVersion, rootEncryptedFromLsblk, rootEncryptedFromSysfs } from './linux.js';
import { parseAskForPassword, parseFdesetup, parseProfilesEnrollment, parseSwVers, parseSysadminctlScreenLock } from './macos.js';
import { commandRunner, type RunCommand } from './run.js';
import { osSignal, unknown, yesNoSignal, type OsReading, type Reading } from './signal.js';
import { parseDsregcmd, parseGetBitLockerVolume, parseManageBde, windowsOsVersion, windowsScreenLock } from './windows.js';

/** What the readers need from the machine: injectable so tests run them against fixtures and this machine alike. */
export interface PostureHost {
  platform: NodeJS.Platform;
  run: RunCommand;
  env: NodeJS.ProcessEnv;
  readText(path: string): string | null;
  kernelRelease: string;
  /** /sys/block on Linux. */
  sysBlock: string;
}

export function thisMachine(): PostureHost {
  return {
    platform: process.platform,
    run: commandRunner(),
    env: process.env,
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    kernelRelease: release(),
    sysBlock: '/sys/block',
  };
}

/** A reader that throws (a bug, an odd output) says unknown with its name: posture never breaks a session's start. */
async function safely<T>(what: string, read: () => Promise<Reading<T>>): Promise<Reading<T>> {
  try {
    return await read();
  } catch {
    return unknown(`${what}: the reader failed`);
  }
}

const output = (result: { stdout: string; stderr: string } | null): string | null => (result ? `${result.stdout}\n${result.stderr}` : null);

/** Commands in English whatever the person's language, so the parsers read the labels they know (Linux and macOS). */
const cLocale = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...env, LC_ALL: 'C', LANG: 'C' });

async function windows(host: PostureHost): Promise<DevicePosture> {
  // Fixed paths under the system root: a program named like one of these earlier on PATH is not asked.
  const system32 = join(host.env.SystemRoot ?? 'C:\\Windows', 'System32');
  const drive = host.env.SystemDrive ?? 'C:';
  const reg = async (key: string) => {
    const result = await host.run(join(system32, 'reg.exe'), ['query', key]);
    return result?.code === 0 ? result.stdout : null;
  };
  const [diskEncryption, screenLock, os, managed] = await Promise.all([
    safely('BitLocker', async () => {
      const bde = parseManageBde(output(await host.run(join(system32, 'manage-bde.exe'), ['-status', drive])) ?? '');
      if (bde.value !== 'unknown' || /administrator/.test(bde.detail)) return bde;
      const ps = join(system32, 'WindowsPowerShell', 'v1.0', 'powershell.exe');
      const command = `Get-BitLockerVolume -MountPoint '${drive}' | Format-List MountPoint,VolumeStatus,ProtectionStatus`;
      return parseGetBitLockerVolume(output(await host.run(ps, ['-NoProfile', '-NonInteractive', '-Command', command])) ?? '');
    }),
    safely('screen lock', async () =>
      windowsScreenLock(
        await reg('HKCU\\Control Panel\\Desktop'),
        await reg('HKCU\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop'),
        await reg('HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System'),
      ),
    ),
    safely<OsReading>('OS version', async () => {
      const text = await reg('HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion');
      return text === null ? unknown('the CurrentVersion key could not be read') : windowsOsVersion(text);
    }),
    safely('MDM', async () => {
      const result = await host.run(join(system32, 'dsregcmd.exe'), ['/status']);
      return result ? parseDsregcmd(result.stdout) : unknown('dsregcmd could not run');
    }),
  ]);
  return {
    diskEncryption: yesNoSignal(diskEncryption),
    screenLock: yesNoSignal(screenLock),
    managed: yesNoSignal(managed),
    os: osSignal(os),
  };
}

async function macos(host: PostureHost): Promise<DevicePosture> {
  const env = cLocale(host.env);
  const text = async (file: string, args: string[]) => output(await host.run(file, args, env));
  const [diskEncryption, screenLock, os, managed] = await Promise.all([
    safely('FileVault', async () => parseFdesetup((await text('/usr/bin/fdesetup', ['status'])) ?? '')),
    safely('screen lock', async () => {
      const lock = parseSysadminctlScreenLock((await text('/usr/sbin/sysadminctl', ['-screenLock', 'status'])) ?? '');
      if (lock.value !== 'unknown') return lock;
      // Before macOS 10.13, or where sysadminctl does not answer: the older setting.
      const result = await host.run('/usr/bin/defaults', ['read', 'com.apple.screensaver', 'askForPassword'], env);
      return result?.code === 0 ? parseAskForPassword(result.stdout) : lock;
    }),
    safely<OsReading>('OS version', async () => parseSwVers((await text('/usr/bin/sw_vers', [])) ?? '')),
    safely('MDM', async () => parseProfilesEnrollment((await text('/usr/bin/profiles', ['status', '-type', 'enrollment'])) ?? '')),
  ]);
  return {
    diskEncryption: yesNoSignal(diskEncryption),
    screenLock: yesNoSignal(screenLock),
    managed: yesNoSignal(managed),
    os: osSignal(os),
  };
}

async function linux(host: PostureHost): Promise<DevicePosture> {
  const env = cLocale(host.env);
  const gsettings = async (schema: string, key: string) => {
    const result = await host.run('gsettings', ['get', schema, key], env);
    return result?.code === 0 ? result.stdout : null;
  };
  const [diskEncryption, screenLock, os] = await Promise.all([
    safely('LUKS', async () => {
      // By name, not path: distributions keep lsblk in /bin, /usr/bin or the Nix store.
      const lsblk = await host.run('lsblk', ['-J', '-o', 'NAME,TYPE,FSTYPE,MOUNTPOINT'], env);
      const fromLsblk = lsblk?.code === 0 ? rootEncryptedFromLsblk(lsblk.stdout) : unknown('lsblk could not run');
      if (fromLsblk.value !== 'unknown') return fromLsblk;
      const mounts = host.readText('/proc/mounts');
      return mounts === null ? fromLsblk : rootEncryptedFromSysfs(mounts, host.sysBlock);
    }),
    safely('screen lock', async () =>
      gnomeScreenLock(
        host.env.XDG_CURRENT_DESKTOP,
        await gsettings('org.gnome.desktop.screensaver', 'lock-enabled'),
        await gsettings('org.gnome.desktop.session', 'idle-delay'),
      ),
    ),
    safely<OsReading>('OS version', () =>
      Promise.resolve(linuxOsVersion(host.kernelRelease, host.readText('/etc/os-release') ?? host.readText('/usr/lib/os-release'))),
    ),
  ]);
  // No standard: MDM agents for Linux (Intune's, Jamf's, Kandji's) each keep their own state, none a user can read the same way.
  const managed = unknown('Linux has no standard MDM enrolment to read');
  return {
    diskEncryption: yesNoSignal(diskEncryption),
    screenLock: yesNoSignal(screenLock),
    managed: yesNoSignal(managed),
    os: osSignal(os),
  };
}

const NOTHING = 'not read on this platform';

/**
 * The device's posture as this machine reports it to a normal user, every signal self-reported. Never
 * throws: what could not be read is unknown, with the reason in its detail.
 */
export async function readPosture(host: PostureHost = thisMachine()): Promise<DevicePosture> {
  switch (host.platform) {
    case 'win32':
      return windows(host);
    case 'darwin':
      return macos(host);
    case 'linux':
      return linux(host);
    default: {
      const none = yesNoSignal(unknown(NOTHING));
      return { diskEncryption: none, screenLock: none, managed: none, os: osSignal(unknown(NOTHING)) };
    }
  }
}
