/**
 * The operating system's name the way the OS itself shows it ("macOS 15 Sequoia",
 * "Windows 11", "Debian GNU/Linux 12 (bookworm)"), from what Node reports. Pure: the
 * caller reads the files and runs the commands (signals.ts), so every mapping here is
 * tested with real inputs.
 */

/**
 * Parses the os-release(5) / machine-info(5) format: shell-style KEY=value lines, the
 * value optionally in single or double quotes, backslash escapes inside double quotes.
 */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) continue;
    values.set(match[1], unquote(match[2] ?? ''));
  }
  return values;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return value;
}

/** PRETTY_NAME, as GNOME's and KDE's "About" pages show it; os-release(5) says "Linux" when nothing is set. */
export function linuxOsName(osRelease: string | null): string {
  const fields = parseEnvFile(osRelease ?? '');
  const pretty = fields.get('PRETTY_NAME')?.trim();
  if (pretty) return pretty;
  const composed = [fields.get('NAME'), fields.get('VERSION')].filter(Boolean).join(' ').trim();
  return composed || 'Linux';
}

/**
 * Windows 11 still reports itself as version 10.0 (and its registry ProductName says "Windows 10");
 * Microsoft tells them apart by build: Windows 11 starts at build 22000 (21H2, per Microsoft's
 * "Windows 11 release information"). Servers keep their own product name (Server 2022 is build
 * 20348, Server 2025 is 26100), which Node's os.version() gives.
 *
 * @param release os.release(): "10.0.22631"
 * @param version os.version(): "Windows 10 Pro", "Windows Server 2022 Datacenter"
 */
export function windowsOsName(release: string, version: string): string {
  if (/\bServer\b/.test(version)) return version.trim();
  const [major, minor, build] = release.split('.').map((p) => Number.parseInt(p, 10));
  if (major === 10 && minor === 0 && build !== undefined && Number.isFinite(build)) return build >= 22000 ? 'Windows 11' : 'Windows 10';
  return version.trim() || `Windows ${release}`;
}

/**
 * macOS from the Darwin kernel's major version (os.release(): "24.1.0"). The pairs are Apple's:
 * each macOS release ships its own Darwin major (Apple's open-source release pages list the xnu of
 * every macOS; Wikipedia's "Darwin (operating system)" release table collects them). From Big Sur
 * (Darwin 20, macOS 11) macOS was Darwin − 9; in 2025 Apple renamed versions after the year, so
 * Darwin 25 is macOS 26 Tahoe and later ones are Darwin + 1.
 */
const MACOS_NAMES: ReadonlyMap<number, string> = new Map([
  [19, 'macOS 10.15 Catalina'],
  [20, 'macOS 11 Big Sur'],
  [21, 'macOS 12 Monterey'],
  [22, 'macOS 13 Ventura'],
  [23, 'macOS 14 Sonoma'],
  [24, 'macOS 15 Sequoia'],
  [25, 'macOS 26 Tahoe'],
]);

export function macOsName(darwinRelease: string): string {
  const major = Number.parseInt(darwinRelease.split('.')[0] ?? '', 10);
  if (!Number.isFinite(major)) return 'macOS';
  const known = MACOS_NAMES.get(major);
  if (known) return known;
  // A release newer than this table: the number is certain, the marketing name is not.
  if (major > 25) return `macOS ${String(major + 1)}`;
  return 'macOS';
}

export interface OsFacts {
  platform: NodeJS.Platform;
  /** os.release() */
  release: string;
  /** os.version() */
  version: string;
  /** os.type(), for the platforms this file does not name */
  type: string;
  /** The text of /etc/os-release (or /usr/lib/os-release) on Linux; null where there is none. */
  osRelease: string | null;
}

export function friendlyOsName(facts: OsFacts): string {
  switch (facts.platform) {
    case 'darwin':
      return macOsName(facts.release);
    case 'win32':
      return windowsOsName(facts.release, facts.version);
    case 'linux':
      return linuxOsName(facts.osRelease);
    default:
      return `${facts.type} ${facts.release}`.trim();
  }
}

export const DEVICE_NAME_MAX = 100;
const SEPARATOR = ' · ';

/** "Ada's MacBook Pro · macOS 15 Sequoia": the OS name is kept whole; a long host name gives way. */
export function deviceName(host: string, osName: string): string {
  const os = osName.trim().slice(0, 60);
  const room = DEVICE_NAME_MAX - os.length - SEPARATOR.length;
  // The contract counts UTF-16 units; never leave half a surrogate pair at the cut.
  const shortHost = host
    .trim()
    .slice(0, room)
    .replace(/[\uD800-\uDBFF]$/, '')
    .trim();
  if (!shortHost) return os || 'unnamed device';
  return os ? `${shortHost}${SEPARATOR}${os}` : shortHost;
}
