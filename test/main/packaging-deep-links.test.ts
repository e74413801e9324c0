import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10, "Deep links ... register it at install time (NSIS per-machine)".
 * build/installer.nsh is read as text (its macros and the keys they write) and,
 * where NSIS's makensis is installed (Debian package `nsis`), compiled into a
 * probe installer with warnings as errors, whose listing shows each registry
 * operation with electron-builder's defines expanded. The Linux half (the deb's
 * .desktop entry) is in packaging-asar.test.ts.
 */

const ROOT = process.cwd();
const require = createRequire(import.meta.url);
const NSH = join(ROOT, 'build', 'installer.nsh');
const KEY = String.raw`Software\Classes\firstkey`;
const HKLM_KEY = `HKLM\\${KEY}`;

interface NsisConfig {
  nsis: { include: string; perMachine: boolean; oneClick: boolean };
  protocols: { schemes: string[] }[];
}
const config = require(join(ROOT, 'build', 'electron-builder.config.cjs')) as NsisConfig;

/** The body of `!macro name` ... `!macroend`, comments dropped. */
function macroBody(source: string, name: string): string[] {
  const lines = source.split(/\r?\n/).map((line) => line.replace(/^\s*;.*$/, '').trim());
  const start = lines.findIndex((line) => line === `!macro ${name}`);
  const end = lines.indexOf('!macroend', start);
  if (start < 0 || end < 0) return [];
  return lines.slice(start + 1, end).filter(Boolean);
}

function makensisPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v makensis'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

const makensis = makensisPath();
if (makensis === null) console.log('installer.nsh compile check skipped: makensis is not installed (Debian: apt-get install nsis).');

describe('Deep links: firstkey: is registered for the whole machine at install time', () => {
  it('includes build/installer.nsh in a per-machine NSIS installer', () => {
    expect(config.nsis).toMatchObject({ include: 'build/installer.nsh', perMachine: true, oneClick: false });
    expect(existsSync(join(ROOT, config.nsis.include))).toBe(true);
    expect(config.protocols.flatMap((p) => p.schemes)).toEqual(['firstkey']);
  });

  it('writes the URL scheme under HKLM\\Software\\Classes at install, handing the link over as one argument after --', () => {
    const install = macroBody(readFileSync(NSH, 'utf8'), 'customInstall');
    expect(install).toContain(String.raw`WriteRegStr HKLM "${KEY}" "URL Protocol" ""`);
    expect(install).toContain(String.raw`WriteRegStr HKLM "${KEY}" "" "URL:FirstKey enrolment link"`);
    expect(install).toContain(String.raw`WriteRegStr HKLM "${KEY}\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'`);
    // Per machine only: a per-user key would outlive an uninstall run by IT.
    expect(install.filter((line) => /HKCU|HKCR|SHCTX|SHELL_CONTEXT/.test(line))).toEqual([]);
  });

  it('removes the scheme on uninstall, but not during an update (which reinstalls straight after)', () => {
    const uninstall = macroBody(readFileSync(NSH, 'utf8'), 'customUnInstall');
    expect(uninstall).toEqual(['${ifNot} ${isUpdated}', String.raw`DeleteRegKey HKLM "${KEY}"`, '${endIf}']);
  });

  // skipped where NSIS is not installed (.ci/run installs it)
  it.skipIf(makensis === null)('compiles with warnings as errors, and the installer writes and deletes exactly those keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firstkey-nsis-'));
    try {
      // electron-builder's templates supply APP_EXECUTABLE_FILENAME and the isUpdated test (true when run with --updated).
      const probe = [
        'Unicode true',
        '!include LogicLib.nsh',
        '!define APP_EXECUTABLE_FILENAME "FirstKey.exe"',
        '!macro _isUpdated _a _b _t _f',
        '  StrCmp $R9 "--updated" `${_t}` `${_f}`',
        '!macroend',
        '!define isUpdated `"" isUpdated ""`',
        `!include "${NSH}"`,
        'Name "probe"',
        `OutFile "${join(dir, 'probe.exe')}"`,
        String.raw`InstallDir "$PROGRAMFILES64\FirstKey"`,
        'RequestExecutionLevel admin',
        'Section "install"',
        '  !insertmacro customInstall',
        String.raw`  WriteUninstaller "$INSTDIR\uninstall.exe"`,
        'SectionEnd',
        'Section "un.uninstall"',
        '  !insertmacro customUnInstall',
        'SectionEnd',
      ].join('\n');
      writeFileSync(join(dir, 'probe.nsi'), probe);
      const listing = execFileSync(makensis!, ['-WX', '-V4', join(dir, 'probe.nsi')], { encoding: 'utf8' });
      const operations = listing.split('\n').filter((line) => /^(WriteRegStr|DeleteRegKey|Section):/.test(line));
      expect(operations).toEqual([
        'Section: "install"',
        String.raw`WriteRegStr: ${HKLM_KEY}\=URL:FirstKey enrolment link`,
        String.raw`WriteRegStr: ${HKLM_KEY}\URL Protocol=`,
        String.raw`WriteRegStr: ${HKLM_KEY}\DefaultIcon\=$INSTDIR\FirstKey.exe,0`,
        String.raw`WriteRegStr: ${HKLM_KEY}\shell\open\command\="$INSTDIR\FirstKey.exe" -- "%1"`,
        'Section: "un.uninstall"',
        `DeleteRegKey: ${HKLM_KEY}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
