import { known, unknown, type OsReading, type Reading } from './signal.js';

/**
 * Parsers for what Windows tells a normal user. Pure: run.ts runs the commands, these read their
 * output, and every one is fed the fixtures in test/fixtures/posture/windows/.
 */

/** `reg query <key>` output: one `    Name    REG_TYPE    data` line per value (REG_DWORD data in hex). */
export function parseRegQuery(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s{2,}(.+?)\s{2,}(REG_[A-Z_]+)\s*(.*)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const data = (match[3] ?? '').trim();
    values.set(match[1].toLowerCase(), match[2] === 'REG_DWORD' || match[2] === 'REG_QWORD' ? String(Number.parseInt(data, 16)) : data);
  }
  return values;
}

/**
 * `manage-bde -status C:`: the OS volume's Protection Status. "Protection On" is encrypted with its
 * protectors active; "Protection Off" covers decrypted, still encrypting and suspended. Run by a
 * standard user it is refused ("access ... was denied"): that is unknown, not off. The labels are
 * English: a localised Windows answers in its language, which reads as unknown.
 */
export function parseManageBde(output: string): Reading<boolean> {
  if (/denied|administrative rights/i.test(output)) return unknown('manage-bde needs administrator rights');
  const status = /Protection Status:\s*(.+)/i.exec(output)?.[1]?.trim();
  if (!status) return unknown('manage-bde: no Protection Status line');
  if (/^Protection On$/i.test(status)) return known(true, 'manage-bde: Protection On');
  if (/^Protection Off/i.test(status)) {
    const conversion = /Conversion Status:\s*(.+)/i.exec(output)?.[1]?.trim() ?? 'unknown';
    return known(false, `manage-bde: Protection Off (${conversion})`.slice(0, 200));
  }
  return unknown(`manage-bde: Protection Status "${status.slice(0, 40)}"`);
}

/**
 * `Get-BitLockerVolume -MountPoint C: | Format-List MountPoint,VolumeStatus,ProtectionStatus` (the
 * BitLocker PowerShell module; it too needs an elevated session). ProtectionStatus On only counts.
 */
export function parseGetBitLockerVolume(output: string): Reading<boolean> {
  if (/denied|PermissionDenied|UnauthorizedAccess/i.test(output)) return unknown('Get-BitLockerVolume needs administrator rights');
  const protection = /^\s*ProtectionStatus\s*:\s*(\S+)/im.exec(output)?.[1];
  const volume = /^\s*VolumeStatus\s*:\s*(\S+)/im.exec(output)?.[1] ?? 'unknown';
  if (protection === 'On') return known(true, `Get-BitLockerVolume: ProtectionStatus On (${volume})`);
  if (protection === 'Off') return known(false, `Get-BitLockerVolume: ProtectionStatus Off (${volume})`);
  return unknown('Get-BitLockerVolume: no ProtectionStatus');
}

/**
 * The screen locks by itself when a password-protected screen saver runs after a timeout (the user's
 * `HKCU\Control Panel\Desktop`, overridden value by value by Group Policy's
 * `HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop`), or when the machine inactivity
 * limit (`InactivityTimeoutSecs` under HKLM ...\Policies\System) is set.
 *
 * @param desktop the user's Desktop key, or null when it could not be read
 * @param policy the policy Desktop key, or null when there is none
 * @param system the HKLM Policies\System key, or null when it could not be read
 */
export function windowsScreenLock(desktop: string | null, policy: string | null, system: string | null): Reading<boolean> {
  const limit = Number(parseRegQuery(system ?? '').get('inactivitytimeoutsecs') ?? 0);
  if (limit > 0) return known(true, `machine inactivity limit ${String(limit)} s`);
  if (desktop === null && policy === null) return unknown('the Desktop settings could not be read');
  const user = parseRegQuery(desktop ?? '');
  const enforced = parseRegQuery(policy ?? '');
  const value = (name: string) => enforced.get(name) ?? user.get(name);
  const saver = value('scrnsave.exe') ?? '';
  const active = value('screensaveactive') === '1';
  const secure = value('screensaverissecure') === '1';
  const timeout = Number(value('screensavetimeout') ?? 0);
  if (saver && active && secure && timeout > 0) return known(true, `password-protected screen saver after ${String(timeout)} s`);
  const missing = [
    !saver && 'no screen saver',
    !active && 'not active',
    !secure && 'no password on resume',
    !(timeout > 0) && 'no timeout',
  ];
  return known(false, missing.filter(Boolean).join(', '));
}

/**
 * `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"`: 10.0.<CurrentBuild>.<UBR>. The UBR
 * (update build revision) moves with each monthly cumulative update: it is the patch level.
 */
export function windowsOsVersion(output: string): Reading<OsReading> {
  const values = parseRegQuery(output);
  const build = values.get('currentbuild') ?? values.get('currentbuildnumber');
  if (!build || !/^\d+$/.test(build)) return unknown('no CurrentBuild in the registry');
  const major = values.get('currentmajorversionnumber') ?? '10';
  const minor = values.get('currentminorversionnumber') ?? '0';
  const ubr = values.get('ubr');
  const version = [major, minor, build, ...(ubr && /^\d+$/.test(ubr) ? [ubr] : [])].join('.');
  const product = Number(build) >= 22000 ? 'Windows 11' : (values.get('productname') ?? 'Windows');
  const name = [product, values.get('displayversion')].filter(Boolean).join(' ');
  return known({ family: 'windows', version, name }, `CurrentBuild ${build}${ubr ? `, UBR ${ubr}` : ''}`);
}

/**
 * `dsregcmd /status`: an MDM enrolment shows as an MdmUrl in Tenant Details (Entra ID joined and
 * enrolled, e.g. in Intune). Joined without an MDM URL, or not joined, is not MDM-managed.
 */
export function parseDsregcmd(output: string): Reading<boolean> {
  const field = (name: string) => new RegExp(`^\\s*${name}\\s*:\\s*(.*)$`, 'im').exec(output)?.[1]?.trim();
  const joined = field('AzureAdJoined');
  if (joined === undefined) return unknown('dsregcmd: no Device State');
  const mdm = field('MdmUrl');
  if (mdm) return known(true, `Entra ID joined ${joined}, MDM enrolled`);
  return known(false, `Entra ID joined ${joined}, no MDM URL`);
}
