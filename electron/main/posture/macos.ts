import { dottedPrefix, known, unknown, type OsReading, type Reading } from './signal.js';

/** Parsers for what macOS tells a normal user; fed the fixtures in test/fixtures/posture/macos/. */

/** `fdesetup status`: "FileVault is On." Encryption still in progress, or decryption, is not yet (or no longer) on. */
export function parseFdesetup(output: string): Reading<boolean> {
  if (/in progress/i.test(output)) return known(false, `fdesetup: ${/(\w+ption in progress)/i.exec(output)?.[1] ?? 'in progress'}`);
  if (/FileVault is On/i.test(output)) return known(true, 'fdesetup: FileVault is On');
  if (/FileVault is Off/i.test(output)) return known(false, 'fdesetup: FileVault is Off');
  return unknown('fdesetup: no FileVault status');
}

/**
 * `sysadminctl -screenLock status` (macOS 10.13 and later; it logs to stderr, with a timestamp and the
 * process name before the text): "screenLock delay is immediate", "screenLock delay is 300 seconds",
 * or "screenLock is off".
 */
export function parseSysadminctlScreenLock(output: string): Reading<boolean> {
  if (/screenLock is off/i.test(output)) return known(false, 'sysadminctl: screenLock is off');
  const delay = /screenLock delay is ([\w ]+)/i.exec(output)?.[1]?.trim();
  if (delay) return known(true, `sysadminctl: screenLock delay is ${delay}`.slice(0, 200));
  return unknown('sysadminctl: no screenLock status');
}

/** `defaults read com.apple.screensaver askForPassword`: the older setting, 1 or 0; not authoritative since macOS 10.13. */
export function parseAskForPassword(output: string): Reading<boolean> {
  const value = output.trim();
  if (value === '1') return known(true, 'askForPassword 1');
  if (value === '0') return known(false, 'askForPassword 0');
  return unknown('askForPassword not set');
}

/** `sw_vers`: ProductName, ProductVersion (the patch level: 14.6.1) and BuildVersion. */
export function parseSwVers(output: string): Reading<OsReading> {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(output)?.[1]?.trim();
  const version = dottedPrefix(field('ProductVersion') ?? '');
  if (!version) return unknown('sw_vers: no ProductVersion');
  const build = field('BuildVersion');
  return known(
    { family: 'macos', version, name: `${field('ProductName') ?? 'macOS'} ${version}` },
    `sw_vers: ${version}${build ? ` (${build})` : ''}`,
  );
}

/** `profiles status -type enrollment`: "MDM enrollment: Yes" (or "Yes (User Approved)") or "No". */
export function parseProfilesEnrollment(output: string): Reading<boolean> {
  const mdm = /^MDM enrollment:\s*(.+)$/im.exec(output)?.[1]?.trim();
  if (!mdm) return unknown('profiles: no MDM enrollment line');
  const dep = /^Enrolled via DEP:\s*(\w+)/im.exec(output)?.[1] ?? 'unknown';
  if (/^Yes/i.test(mdm)) return known(true, `MDM enrollment: ${mdm.slice(0, 60)}, DEP ${dep}`);
  if (/^No/i.test(mdm)) return known(false, `MDM enrollment: No, DEP ${dep}`);
  return unknown(`profiles: MDM enrollment "${mdm.slice(0, 40)}"`);
}
