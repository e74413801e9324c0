import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DeviceSignals } from '../../api/enrolment.js';
import { deviceName, friendlyOsName, linuxOsName, macOsName, parseEnvFile, windowsOsName } from '../../electron/main/device/os-name.js';
import { collectDeviceSignals } from '../../electron/main/device/signals.js';

/**
 * Issue 14, "Names people don't recognise": computers read "vm · linux 6.18.44-fc-v595".
 * A computer is named the way its OS names it: the computer's name and the OS's own name
 * for itself.
 */

const osRelease = (file: string): string => readFileSync(new URL(`../fixtures/os-release/${file}`, import.meta.url), 'utf8');

describe("Names people don't recognise: Linux is named by its os-release PRETTY_NAME", () => {
  it.each([
    ['debian12.os-release', 'Debian GNU/Linux 12 (bookworm)'],
    ['ubuntu24.os-release', 'Ubuntu 24.04.3 LTS'],
    ['fedora42.os-release', 'Fedora Linux 42 (Forty Two)'],
    ['alpine.os-release', 'Alpine Linux v3.23'],
  ])('%s reads %s', (file, name) => {
    expect(linuxOsName(osRelease(file))).toBe(name);
  });

  it('without PRETTY_NAME: NAME and VERSION; without any file: "Linux" (what os-release(5) says to assume), never the kernel', () => {
    const fedoraWithoutPretty = osRelease('fedora42.os-release')
      .split('\n')
      .filter((l) => !l.startsWith('PRETTY_NAME='))
      .join('\n');
    expect(linuxOsName(fedoraWithoutPretty)).toBe('Fedora Linux 42 (Forty Two)');
    expect(linuxOsName(null)).toBe('Linux');
    expect(linuxOsName('')).toBe('Linux');
  });

  it('reads the quoting os-release(5) allows: single quotes, double quotes with escapes, bare values, comments', () => {
    const parsed = parseEnvFile(`# a comment\nPRETTY_NAME='Acme OS 1'\nNAME="Acme \\"Edge\\" \\\\ \\$HOME"\nID=acme\nnot a line\n`);
    expect(parsed.get('PRETTY_NAME')).toBe('Acme OS 1');
    expect(parsed.get('NAME')).toBe('Acme "Edge" \\ $HOME');
    expect(parsed.get('ID')).toBe('acme');
    expect(parsed.size).toBe(3);
  });
});

describe("Names people don't recognise: Windows 11 is told from Windows 10 by its build", () => {
  it.each([
    ['10.0.19045', 'Windows 10 Pro', 'Windows 10'], // 22H2
    ['10.0.21996', 'Windows 10 Pro', 'Windows 10'], // the last build before Windows 11
    ['10.0.22000', 'Windows 10 Pro', 'Windows 11'], // 21H2: the registry still says "Windows 10"
    ['10.0.22631', 'Windows 10 Enterprise', 'Windows 11'], // 23H2
    ['10.0.26100', 'Windows 10 Home', 'Windows 11'], // 24H2
    ['10.0.20348', 'Windows Server 2022 Datacenter', 'Windows Server 2022 Datacenter'],
    ['10.0.26100', 'Windows Server 2025 Standard', 'Windows Server 2025 Standard'],
  ])('release %s, version "%s" reads %s', (rel, version, name) => {
    expect(windowsOsName(rel, version)).toBe(name);
  });
});

describe("Names people don't recognise: macOS is named from Darwin's major version", () => {
  it.each([
    ['19.6.0', 'macOS 10.15 Catalina'],
    ['20.6.0', 'macOS 11 Big Sur'],
    ['21.6.0', 'macOS 12 Monterey'],
    ['22.6.0', 'macOS 13 Ventura'],
    ['23.6.0', 'macOS 14 Sonoma'],
    ['24.1.0', 'macOS 15 Sequoia'],
    ['25.0.0', 'macOS 26 Tahoe'],
    ['26.0.0', 'macOS 27'],
    ['nonsense', 'macOS'],
  ])('Darwin %s is %s', (darwin, name) => {
    expect(macOsName(darwin)).toBe(name);
  });
});

describe("Names people don't recognise: the device's name", () => {
  it.each([
    [
      "Ada's MacBook Pro",
      { platform: 'darwin', release: '24.1.0', version: 'Darwin Kernel Version 24.1.0', type: 'Darwin', osRelease: null },
      "Ada's MacBook Pro · macOS 15 Sequoia",
    ],
    [
      'DESKTOP-12AB',
      { platform: 'win32', release: '10.0.22631', version: 'Windows 10 Pro', type: 'Windows_NT', osRelease: null },
      'DESKTOP-12AB · Windows 11',
    ],
    [
      'ada-laptop',
      {
        platform: 'linux',
        release: '6.1.0-28-amd64',
        version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1',
        type: 'Linux',
        osRelease: osRelease('debian12.os-release'),
      },
      'ada-laptop · Debian GNU/Linux 12 (bookworm)',
    ],
  ] as const)('%s on %o is "%s"', (host, facts, name) => {
    expect(deviceName(host, friendlyOsName(facts))).toBe(name);
  });

  it('a long host name gives way to the OS name, within the contract, without splitting a character', () => {
    const name = deviceName(`${'x'.repeat(60)}😀${'y'.repeat(60)}`, 'Debian GNU/Linux 12 (bookworm)');
    expect(name.endsWith(' · Debian GNU/Linux 12 (bookworm)')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(DeviceSignals.shape.name.safeParse(name).success).toBe(true);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(name)).toBe(false);
    expect(deviceName('', 'Windows 11')).toBe('Windows 11');
  });

  // The other platforms' readers (scutil, the Windows host name) need those systems; their mappings are tested above.
  it.skipIf(process.platform !== 'linux' /* skipped off Linux: it reads /etc/os-release */)(
    'on this Linux machine (skipped elsewhere: it reads /etc/os-release): its host name and its os-release name, never "vm · linux <kernel>"',
    () => {
      const signals = DeviceSignals.parse(collectDeviceSignals('1.2.3', false));
      const pretty = parseEnvFile(readFileSync('/etc/os-release', 'utf8')).get('PRETTY_NAME');
      expect(pretty).toBeTruthy();
      expect(signals.name).toBe(`${hostname()} · ${String(pretty)}`);
      expect(signals.name).not.toContain(release());
      // The kernel stays where IT reads it.
      expect(signals.osVersion).toBe(release());
    },
  );
});
