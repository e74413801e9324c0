import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { linuxOsName } from '../device/os-name.js';
import { dottedPrefix, known, unknown, type OsReading, type Reading } from './signal.js';

/** Parsers for what Linux tells a normal user; fed the fixtures in test/fixtures/posture/linux/. */

interface LsblkNode {
  name?: unknown;
  type?: unknown;
  mountpoint?: unknown;
  /** util-linux 2.37 and later, with -o MOUNTPOINTS: every mount point of the device. */
  mountpoints?: unknown;
  children?: unknown;
}

function mountsAt(node: LsblkNode, target: string): boolean {
  if (node.mountpoint === target) return true;
  return Array.isArray(node.mountpoints) && node.mountpoints.includes(target);
}

/** The chains of devices from a disk down to the one mounted at `target` (one per path lsblk lists). */
function chainsTo(nodes: unknown, target: string, above: LsblkNode[] = []): LsblkNode[][] {
  if (!Array.isArray(nodes)) return [];
  const found: LsblkNode[][] = [];
  for (const raw of nodes) {
    if (typeof raw !== 'object' || raw === null) continue;
    const node = raw as LsblkNode;
    const chain = [...above, node];
    if (mountsAt(node, target)) found.push(chain);
    found.push(...chainsTo(node.children, target, chain));
  }
  return found;
}

/**
 * `lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT`: the file system mounted at `target` (the root, "/") is
 * encrypted when a dm-crypt device (TYPE crypt: LUKS or plain) lies between it and the disk, as in
 * disk > part (crypto_LUKS) > crypt > lvm (/). Root not on a device lsblk lists (a container's overlay,
 * a network root) is unknown, not unencrypted.
 */
export function rootEncryptedFromLsblk(json: string, target = '/'): Reading<boolean> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return unknown('lsblk: not JSON');
  }
  const devices = typeof parsed === 'object' && parsed !== null ? (parsed as { blockdevices?: unknown }).blockdevices : undefined;
  const chains = chainsTo(devices, target);
  if (chains.length === 0) return unknown(`lsblk: nothing mounted at ${target}`);
  const crypt = chains.flat().find((n) => n.type === 'crypt');
  if (crypt) return known(true, `lsblk: ${target} on dm-crypt ${typeof crypt.name === 'string' ? crypt.name.slice(0, 60) : ''}`.trim());
  const mounted = chains[0]?.at(-1);
  return known(false, `lsblk: ${target} on ${typeof mounted?.name === 'string' ? mounted.name.slice(0, 60) : 'a device'}, no crypt layer`);
}

/** The device /proc/mounts names for `target` (the last mount there wins, as it hides the ones before). */
export function mountSource(procMounts: string, target = '/'): string | null {
  let source: string | null = null;
  for (const line of procMounts.split('\n')) {
    const [device, mountpoint] = line.split(' ');
    // /proc/mounts escapes spaces as \040; "/" needs none.
    if (device && mountpoint === target) source = device;
  }
  return source;
}

/**
 * The fallback without lsblk: the root's device from /proc/mounts, then sysfs. A device-mapper device
 * whose dm/uuid starts with "CRYPT-" is dm-crypt (cryptsetup names LUKS ones CRYPT-LUKS2-<uuid>-<name>);
 * an LVM volume is encrypted when a device under it (its slaves, recursively) is.
 *
 * @param sysBlock /sys/block, or a copy of its layout in tests
 */
export function rootEncryptedFromSysfs(procMounts: string, sysBlock = '/sys/block', target = '/'): Reading<boolean> {
  const source = mountSource(procMounts, target);
  if (!source?.startsWith('/dev/')) return unknown(`/proc/mounts: ${target} is not on a block device`);
  const read = (path: string): string | null => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const list = (path: string): string[] => {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  };
  const base = source.slice('/dev/'.length);
  // /dev/mapper/<name>: the dm-N whose dm/name is <name>.
  const device = base.startsWith('mapper/')
    ? list(sysBlock).find((dm) => dm.startsWith('dm-') && read(join(sysBlock, dm, 'dm', 'name')) === base.slice('mapper/'.length))
    : base.split('/').pop();
  if (!device) return unknown(`sysfs: no device-mapper device for ${source.slice(0, 80)}`);
  if (!device.startsWith('dm-')) return known(false, `sysfs: ${target} on ${device.slice(0, 40)}, not a device-mapper device`);
  const seen = new Set<string>();
  const crypt = (dm: string): boolean => {
    if (seen.has(dm) || seen.size > 16) return false;
    seen.add(dm);
    if (read(join(sysBlock, dm, 'dm', 'uuid'))?.startsWith('CRYPT-')) return true;
    return list(join(sysBlock, dm, 'slaves')).some((slave) => slave.startsWith('dm-') && crypt(slave));
  };
  return crypt(device)
    ? known(true, `sysfs: ${target} on dm-crypt (${device})`)
    : known(false, `sysfs: ${target} on ${device}, no dm-crypt under it`);
}

/** `gsettings get ...`: "true" / "false", or "uint32 300". */
export function parseGsettings(output: string): string | null {
  const value = output.trim();
  return value ? value.replace(/^uint32 /, '') : null;
}

/**
 * GNOME's screen lock: `lock-enabled` (org.gnome.desktop.screensaver) and the idle delay after which the
 * screen blanks (org.gnome.desktop.session idle-delay, seconds; 0 is never, so it never locks by itself).
 * Other desktops keep their own settings: unknown there, never GNOME's defaults read as theirs.
 *
 * @param desktop XDG_CURRENT_DESKTOP ("GNOME", "ubuntu:GNOME", "KDE")
 */
export function gnomeScreenLock(desktop: string | undefined, lockEnabled: string | null, idleDelay: string | null): Reading<boolean> {
  if (!desktop || !/gnome/i.test(desktop)) return unknown(`not a GNOME session (${(desktop ?? 'no desktop').slice(0, 40)})`);
  const enabled = parseGsettings(lockEnabled ?? '');
  if (enabled === 'false') return known(false, 'GNOME: lock-enabled false');
  if (enabled !== 'true') return unknown('GNOME: lock-enabled could not be read');
  const delay = Number(parseGsettings(idleDelay ?? '') ?? Number.NaN);
  if (delay === 0) return known(false, 'GNOME: lock-enabled, but the screen never blanks (idle-delay 0)');
  return known(true, Number.isFinite(delay) ? `GNOME: lock-enabled, idle-delay ${String(delay)} s` : 'GNOME: lock-enabled');
}

/** The kernel release's number is the comparable patch level ("6.1.0-28-amd64" -> 6.1.0); the distribution is its name. */
export function linuxOsVersion(kernelRelease: string, osRelease: string | null): Reading<OsReading> {
  const version = dottedPrefix(kernelRelease);
  if (!version) return unknown('kernel release without a version number');
  return known({ family: 'linux', version, name: linuxOsName(osRelease) }, `kernel ${kernelRelease.slice(0, 60)}`);
}
