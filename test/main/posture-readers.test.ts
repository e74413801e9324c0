import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DevicePosture } from '../../api/posture.js';
import {
  gnomeScreenLock,
  linuxOsVersion,
  mountSource,
  rootEncryptedFromLsblk,
  rootEncryptedFromSysfs,
} from '../../electron/main/posture/linux.js';
import {
  parseAskForPassword,
  parseFdesetup,
  parseProfilesEnrollment,
  parseSwVers,
  parseSysadminctlScreenLock,
} from '../../electron/main/posture/macos.js';
import { readPosture, thisMachine, type PostureHost } from '../../electron/main/posture/read.js';
import { commandRunner, type CommandResult } from '../../electron/main/posture/run.js';
import { dottedPrefix } from '../../electron/main/posture/signal.js';
import {
  parseDsregcmd,
  parseGetBitLockerVolume,
  parseManageBde,
  windowsOsVersion,
  windowsScreenLock,
} from '../../electron/main/posture/windows.js';

/**
 * Issue 15, device posture: the readers on each OS's own output. Every fixture in
 * test/fixtures/posture/<os>/ (its README names the command and where the text came from) goes
 * through its parser here, and a fixture no case reads fails the last test of each OS. An unknown is
 * unknown, never "no".
 */

const FIXTURES = new URL('../fixtures/posture/', import.meta.url);
const read = new Set<string>();
function fixture(path: string): string {
  read.add(path);
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}
const everyFixture = (os: string) =>
  readdirSync(new URL(`${os}/`, FIXTURES))
    .filter((f) => !f.endsWith('.md'))
    .map((f) => `${os}/${f}`);

describe('Windows: BitLocker, screen lock, build and update, Entra ID / MDM', () => {
  it.each([
    ['windows/manage-bde-status-on.txt', true, 'Protection On'],
    ['windows/manage-bde-status-off.txt', false, 'Fully Decrypted'],
    ['windows/manage-bde-status-suspended.txt', false, 'Protection Off'],
    ['windows/manage-bde-status-standard-user.txt', 'unknown', 'administrator'],
  ])('manage-bde -status C: %s reads %s', (file, value, detail) => {
    const reading = parseManageBde(fixture(file));
    expect(reading.value).toBe(value);
    expect(reading.detail).toContain(detail);
  });

  it.each([
    ['windows/get-bitlockervolume-on.txt', true],
    ['windows/get-bitlockervolume-off.txt', false],
  ])('Get-BitLockerVolume %s reads %s', (file, value) => {
    expect(parseGetBitLockerVolume(fixture(file)).value).toBe(value);
  });

  it('a localised or empty answer is unknown, not off', () => {
    expect(parseManageBde('    Schutzstatus:         Der Schutz ist aktiviert.\r\n').value).toBe('unknown');
    expect(parseManageBde('').value).toBe('unknown');
    expect(parseGetBitLockerVolume('').value).toBe('unknown');
  });

  it('screen lock: a password-protected screen saver with a timeout, the policy over the user, or the machine inactivity limit', () => {
    const secure = fixture('windows/reg-query-desktop-secure-saver.txt');
    const none = fixture('windows/reg-query-desktop-no-saver.txt');
    const policy = fixture('windows/reg-query-policy-desktop.txt');
    const inactivity = fixture('windows/reg-query-policies-system-inactivity.txt');
    const plain = fixture('windows/reg-query-policies-system-default.txt');
    expect(windowsScreenLock(secure, null, plain)).toEqual({ value: true, detail: 'password-protected screen saver after 600 s' });
    expect(windowsScreenLock(none, null, plain)).toEqual({ value: false, detail: 'no screen saver, no password on resume, no timeout' });
    // Group Policy sets what the user did not: enforced, value by value.
    expect(windowsScreenLock(none, policy, plain)).toEqual({ value: true, detail: 'password-protected screen saver after 900 s' });
    // 0x384 = 900 s: "Interactive logon: Machine inactivity limit".
    expect(windowsScreenLock(none, null, inactivity)).toEqual({ value: true, detail: 'machine inactivity limit 900 s' });
    expect(windowsScreenLock(null, null, null).value).toBe('unknown');
  });

  it.each([
    ['windows/reg-query-currentversion-win11-23h2.txt', { family: 'windows', version: '10.0.22631.4317', name: 'Windows 11 23H2' }],
    [
      'windows/reg-query-currentversion-win10-21h2.txt',
      { family: 'windows', version: '10.0.19044.3419', name: 'Windows 10 Enterprise 21H2' },
    ],
  ])('the build and its update revision (UBR, hex in the registry) from %s', (file, value) => {
    expect(windowsOsVersion(fixture(file)).value).toEqual(value);
  });

  it.each([
    ['windows/dsregcmd-status-entra-intune.txt', true],
    ['windows/dsregcmd-status-workgroup.txt', false],
  ])('dsregcmd /status %s: MDM-managed %s', (file, value) => {
    expect(parseDsregcmd(fixture(file)).value).toBe(value);
    expect(parseDsregcmd('dsregcmd is not recognized').value).toBe('unknown');
  });

  it('every Windows fixture is read by a case above', () => {
    expect(everyFixture('windows').filter((f) => !read.has(f))).toEqual([]);
  });
});

describe('macOS: FileVault, screen lock, version, MDM enrolment', () => {
  it.each([
    ['macos/fdesetup-status-on.txt', true],
    ['macos/fdesetup-status-off.txt', false],
    // Still encrypting: not yet protected.
    ['macos/fdesetup-status-encrypting.txt', false],
  ])('fdesetup status %s reads %s', (file, value) => {
    expect(parseFdesetup(fixture(file)).value).toBe(value);
  });

  it.each([
    ['macos/sysadminctl-screenlock-immediate.txt', true, 'immediate'],
    ['macos/sysadminctl-screenlock-300.txt', true, '300 seconds'],
    ['macos/sysadminctl-screenlock-off.txt', false, 'off'],
  ])('sysadminctl -screenLock status %s reads %s', (file, value, detail) => {
    const reading = parseSysadminctlScreenLock(fixture(file));
    expect(reading.value).toBe(value);
    expect(reading.detail).toContain(detail);
  });

  it('the older askForPassword setting: 1 is on, nothing set is unknown', () => {
    expect(parseAskForPassword(fixture('macos/defaults-askforpassword-1.txt')).value).toBe(true);
    expect(parseAskForPassword('0\n').value).toBe(false);
    expect(parseAskForPassword('').value).toBe('unknown');
  });

  it.each([
    ['macos/sw_vers-sonoma.txt', { family: 'macos', version: '14.6.1', name: 'macOS 14.6.1' }],
    ['macos/sw_vers-ventura.txt', { family: 'macos', version: '13.6.9', name: 'macOS 13.6.9' }],
  ])('sw_vers %s', (file, value) => {
    expect(parseSwVers(fixture(file)).value).toEqual(value);
  });

  it.each([
    ['macos/profiles-status-enrolled.txt', true],
    ['macos/profiles-status-not-enrolled.txt', false],
  ])('profiles status -type enrollment %s: MDM-managed %s', (file, value) => {
    expect(parseProfilesEnrollment(fixture(file)).value).toBe(value);
  });

  it('every macOS fixture is read by a case above', () => {
    expect(everyFixture('macos').filter((f) => !read.has(f))).toEqual([]);
  });
});

const sysfsRoots: string[] = [];
afterAll(() => {
  for (const dir of sysfsRoots) rmSync(dir, { recursive: true, force: true });
});

/** A /sys/block laid out as the kernel does for LUKS under a mapper name: dm-0/dm/{name,uuid}, dm-0/slaves/nvme0n1p3. */
function sysBlockWithLuks(mapperName: string, uuid: string): string {
  const root = mkdtempSync(join(tmpdir(), 'firstkey-sysblock-'));
  sysfsRoots.push(root);
  mkdirSync(join(root, 'dm-0', 'dm'), { recursive: true });
  mkdirSync(join(root, 'dm-0', 'slaves', 'nvme0n1p3'), { recursive: true });
  writeFileSync(join(root, 'dm-0', 'dm', 'name'), `${mapperName}\n`);
  writeFileSync(join(root, 'dm-0', 'dm', 'uuid'), `${uuid}\n`);
  mkdirSync(join(root, 'nvme0n1'));
  return root;
}

describe('Linux: LUKS under the root file system, GNOME screen lock, kernel and distribution', () => {
  it.each([
    ['linux/lsblk-vm-plain-root.json', false, 'vda'],
    ['linux/lsblk-luks-lvm-root.json', true, 'dm_crypt-0'],
    // btrfs on LUKS: lsblk's one MOUNTPOINT shows /home for the device, so / is not found there.
    ['linux/lsblk-luks-btrfs-home-shown.json', 'unknown', 'nothing mounted at /'],
    ['linux/lsblk-overlay-container.json', 'unknown', 'nothing mounted at /'],
  ])('lsblk -J %s reads %s', (file, value, detail) => {
    const reading = rootEncryptedFromLsblk(fixture(file));
    expect(reading.value).toBe(value);
    expect(reading.detail).toContain(detail);
  });

  it('lsblk 2.37+ MOUNTPOINTS arrays are read too; output that is not JSON is unknown', () => {
    const json = JSON.stringify({
      blockdevices: [{ name: 'sda', type: 'disk', children: [{ name: 'cr', type: 'crypt', mountpoints: ['/', '/home'] }] }],
    });
    expect(rootEncryptedFromLsblk(json).value).toBe(true);
    expect(rootEncryptedFromLsblk('lsblk: unknown column').value).toBe('unknown');
  });

  it('without an answer from lsblk: /proc/mounts and sysfs, following a mapper name to its dm-crypt uuid', () => {
    const mounts = fixture('linux/proc-mounts-luks-btrfs.txt');
    const luks = 'luks-6f1c2e0a-3b7d-4c1e-9a55-0d2f8e4b7c11';
    expect(mountSource(mounts)).toBe(`/dev/mapper/${luks}`);
    const encrypted = sysBlockWithLuks(luks, `CRYPT-LUKS2-6f1c2e0a3b7d4c1e9a550d2f8e4b7c11-${luks}`);
    expect(rootEncryptedFromSysfs(mounts, encrypted).value).toBe(true);
    // The same layout with a plain LVM volume's uuid: not dm-crypt.
    const lvm = sysBlockWithLuks(luks, 'LVM-Zq3xN0kq9T2t4hV1');
    expect(rootEncryptedFromSysfs(mounts, lvm)).toEqual({ value: false, detail: 'sysfs: / on dm-0, no dm-crypt under it' });
    expect(rootEncryptedFromSysfs(fixture('linux/proc-mounts-root.txt'), encrypted)).toEqual({
      value: false,
      detail: 'sysfs: / on vda, not a device-mapper device',
    });
    expect(rootEncryptedFromSysfs(fixture('linux/proc-mounts-overlay-container.txt'), encrypted).value).toBe('unknown');
  });

  it('GNOME: lock-enabled with an idle delay locks; disabled, or never blanking, does not; another desktop is unknown', () => {
    const enabled = fixture('linux/gsettings-lock-enabled.txt');
    const delay = fixture('linux/gsettings-idle-delay.txt');
    expect(gnomeScreenLock('ubuntu:GNOME', enabled, delay)).toEqual({ value: true, detail: 'GNOME: lock-enabled, idle-delay 300 s' });
    expect(gnomeScreenLock('GNOME', fixture('linux/gsettings-lock-disabled.txt'), delay).value).toBe(false);
    expect(gnomeScreenLock('GNOME', enabled, fixture('linux/gsettings-idle-delay-never.txt')).value).toBe(false);
    expect(gnomeScreenLock('KDE', enabled, delay).value).toBe('unknown');
    expect(gnomeScreenLock(undefined, enabled, delay).value).toBe('unknown');
    expect(gnomeScreenLock('GNOME', null, delay).value).toBe('unknown');
  });

  it('the kernel release is the comparable version, the distribution its name', () => {
    const debian = readFileSync(new URL('../fixtures/os-release/debian12.os-release', import.meta.url), 'utf8');
    expect(linuxOsVersion('6.1.0-28-amd64', debian).value).toEqual({
      family: 'linux',
      version: '6.1.0',
      name: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(linuxOsVersion('weird', debian).value).toBe('unknown');
    expect(dottedPrefix('6.18.44-fc-v1252')).toBe('6.18.44');
  });

  it('every Linux fixture is read by a case above', () => {
    expect(everyFixture('linux').filter((f) => !read.has(f))).toEqual([]);
  });
});

/** The machine as the reader sees it, answering each command with a fixture; anything else is "not installed". */
function hostAnswering(platform: NodeJS.Platform, answers: Record<string, CommandResult>, env: NodeJS.ProcessEnv = {}): PostureHost {
  return {
    platform,
    env,
    kernelRelease: '6.1.0-28-amd64',
    sysBlock: '/nonexistent',
    readText: () => null,
    run: (file, args) => Promise.resolve(answers[[file.split(/[\\/]/).pop(), ...args].join(' ')] ?? null),
  };
}
const ok = (stdout: string, stderr = ''): CommandResult => ({ code: 0, stdout, stderr });

describe('readPosture: each OS’s commands, run side by side, never throwing', () => {
  it('Windows as a standard user: BitLocker unknown (manage-bde needs an administrator), the rest read', async () => {
    const posture = DevicePosture.parse(
      await readPosture(
        hostAnswering('win32', {
          'manage-bde.exe -status C:': { code: 1, stdout: fixture('windows/manage-bde-status-standard-user.txt'), stderr: '' },
          'reg.exe query HKCU\\Control Panel\\Desktop': ok(fixture('windows/reg-query-desktop-secure-saver.txt')),
          'reg.exe query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System': ok(
            fixture('windows/reg-query-policies-system-default.txt'),
          ),
          'reg.exe query HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion': ok(
            fixture('windows/reg-query-currentversion-win11-23h2.txt'),
          ),
          'dsregcmd.exe /status': ok(fixture('windows/dsregcmd-status-entra-intune.txt')),
        }),
      ),
    );
    expect(posture.diskEncryption).toEqual({ value: 'unknown', source: 'self-reported', detail: 'manage-bde needs administrator rights' });
    expect(posture.screenLock.value).toBe(true);
    expect(posture.os.value).toEqual({ family: 'windows', version: '10.0.22631.4317', name: 'Windows 11 23H2' });
    expect(posture.managed.value).toBe(true);
  });

  it('macOS: sysadminctl answers on stderr; without it, the older setting', async () => {
    const posture = await readPosture(
      hostAnswering('darwin', {
        'fdesetup status': ok(fixture('macos/fdesetup-status-on.txt')),
        'defaults read com.apple.screensaver askForPassword': ok('1\n'),
        sw_vers: ok(fixture('macos/sw_vers-sonoma.txt')),
        'profiles status -type enrollment': ok(fixture('macos/profiles-status-not-enrolled.txt')),
      }),
    );
    expect([posture.diskEncryption.value, posture.screenLock.value, posture.managed.value]).toEqual([true, true, false]);
    expect(posture.os.value).toEqual({ family: 'macos', version: '14.6.1', name: 'macOS 14.6.1' });
    const withSysadminctl = await readPosture(
      hostAnswering('darwin', { 'sysadminctl -screenLock status': ok('', fixture('macos/sysadminctl-screenlock-off.txt')) }),
    );
    expect(withSysadminctl.screenLock.value).toBe(false);
    expect(withSysadminctl.diskEncryption.value).toBe('unknown');
  });

  it('nothing installed, another platform: every signal unknown, each with its reason', async () => {
    for (const platform of ['win32', 'darwin', 'linux', 'freebsd'] as const) {
      const posture = DevicePosture.parse(await readPosture(hostAnswering(platform, {})));
      // Linux's version is the kernel's own release (no command): known even here.
      const signals = [posture.diskEncryption, posture.screenLock, posture.managed, ...(platform === 'linux' ? [] : [posture.os])];
      for (const signal of signals) {
        expect(signal.value).toBe('unknown');
        expect(signal.detail).toBeTruthy();
      }
    }
  });

  it('a command that hangs is given up after its timeout; one that is not installed answers null', async () => {
    const run = commandRunner(200);
    const started = Date.now();
    expect(await run('sleep', ['5'])).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await run('/nonexistent/firstkey-no-such-command', [])).toBeNull();
    expect(await run('sh', ['-c', 'echo refused; exit 3'])).toEqual({ code: 3, stdout: 'refused\n', stderr: '' });
  });
});

describe.skipIf(process.platform !== 'linux' /* the real commands are Linux's: lsblk, gsettings, /proc/mounts */)(
  'on this Linux machine (skipped elsewhere: it runs lsblk and gsettings)',
  () => {
    it('reads the real root device, GNOME settings and kernel, as the commands themselves say', async () => {
      const host = { ...thisMachine(), env: { ...process.env, XDG_CURRENT_DESKTOP: 'GNOME' } };
      const posture = DevicePosture.parse(await readPosture(host));

      const lsblk = JSON.parse(execFileSync('lsblk', ['-J', '-o', 'NAME,TYPE,FSTYPE,MOUNTPOINT'], { encoding: 'utf8' })) as unknown;
      const text = JSON.stringify(lsblk);
      const rootListed = text.includes('"mountpoint":"/"');
      if (rootListed) expect(posture.diskEncryption.value).toBe(text.includes('"type":"crypt"'));
      expect(posture.diskEncryption.detail).toMatch(/^(lsblk|sysfs|\/proc\/mounts)/);

      const gsettings = (schema: string, key: string) => execFileSync('gsettings', ['get', schema, key], { encoding: 'utf8' }).trim();
      const expected =
        gsettings('org.gnome.desktop.screensaver', 'lock-enabled') === 'true' &&
        gsettings('org.gnome.desktop.session', 'idle-delay') !== 'uint32 0';
      expect(posture.screenLock.value).toBe(expected);

      expect(posture.os.value).toMatchObject({ family: 'linux', version: dottedPrefix(release()) });
      expect(posture.managed).toEqual({ value: 'unknown', source: 'self-reported', detail: 'Linux has no standard MDM enrolment to read' });
    });

    it('without a GNOME session the screen lock is unknown, not GNOME’s defaults', async () => {
      const posture = await readPosture({ ...thisMachine(), env: { ...process.env, XDG_CURRENT_DESKTOP: '' } });
      expect(posture.screenLock.value).toBe('unknown');
    });
  },
);
