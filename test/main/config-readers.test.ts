// Issue 10, "Managed configuration" (the Windows and macOS readers behind a small
// interface, the parsing tested for real): the registry-export and plist parsers on
// real sample files and on the malformed input an administrator can produce, and the
// reg.exe / plutil plumbing with only the process itself stood in for.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppConfigError } from '../../electron/main/config.js';
import { environmentSource } from '../../electron/main/config/sources/environment.js';
import { managedPreferencesSource, plistFileReader } from '../../electron/main/config/sources/managed-preferences.js';
import { parsePlistXml, PlistSyntaxError } from '../../electron/main/config/sources/plist-xml.js';
import { decodeRegFile, parseRegFile, RegFileSyntaxError } from '../../electron/main/config/sources/reg-file.js';
import { parseRegQuery, RegQuerySyntaxError } from '../../electron/main/config/sources/reg-query.js';
import {
  CHCP_COM,
  CMD_EXE,
  REG_EXE,
  regQueryReader,
  registrySource,
  systemCommandRunner,
  type CommandRunner,
} from '../../electron/main/config/sources/windows-registry.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/managed-config/', import.meta.url));
const PEM_LINES = (await readFile(`${FIXTURES}inspection-root.pem`, 'utf8')).trim().split('\n');
const HEADER = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey]\r\n';
const HKLM = 'HKLM\\Software\\Policies\\FirstKey';

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'firstkey-readers-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const readRegistry = (text: string) => registrySource({ key: HKLM, kind: 'policy', readKey: async () => parseRegFile(text) }).read();
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('Managed configuration: the registry-export reader', () => {
  it('reads a UTF-16LE export with its byte-order mark: REG_SZ with escapes, REG_DWORD, REG_MULTI_SZ across continuation lines', async () => {
    const [key] = parseRegFile(decodeRegFile(await readFile(`${FIXTURES}windows/hklm-policy.reg`)));
    expect(key?.path).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey');
    expect(key?.values.find((value) => value.name === 'Kiosk')).toEqual({ name: 'Kiosk', type: 'REG_DWORD', data: 1 });
    expect(key?.values.find((value) => value.name === 'ExtraCaCertificates')).toEqual({
      name: 'ExtraCaCertificates',
      type: 'REG_MULTI_SZ',
      data: PEM_LINES,
    });
    expect(key?.values.find((value) => value.name === 'HelpDeskContact')?.data).toBe(
      'Service desk Zürich: +41 44 000 00 00, "help.corp.example"',
    );
  });

  it('matches value names case-insensitively, as Windows does', async () => {
    expect(await readRegistry(`${HEADER}"serverurl"="https://a.example"\r\n"KIOSK"=dword:00000000\r\n`)).toEqual({
      serverUrl: 'https://a.example',
      kiosk: false,
    });
  });

  it.each([
    ['REG_EXPAND_SZ (hex(2)) for ServerUrl', '"ServerUrl"=hex(2):68,00,00,00', 'wrong_type', 'ServerUrl'],
    ['a REG_DWORD of 2 for Kiosk', '"Kiosk"=dword:00000002', 'invalid_value', 'Kiosk'],
    ['a REG_DWORD for LogLevel', '"LogLevel"=dword:00000001', 'wrong_type', 'LogLevel'],
    ['a REG_DWORD for ExtraCaCertificates', '"ExtraCaCertificates"=dword:00000001', 'wrong_type', 'ExtraCaCertificates'],
    ['the key’s (Default) value', '@="https://a.example"', 'unknown_setting', '(Default)'],
  ])('refuses %s, naming the value', async (_what, line, code, name) => {
    const error = await rejection(readRegistry(`${HEADER}${line}\r\n`));
    expect(error).toBeInstanceOf(AppConfigError);
    expect(error).toMatchObject({ setting: `${HKLM}\\${name}`, source: HKLM, reason: { code } });
  });

  it.each([
    ['a REGEDIT4 file', 'REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey]\r\n'],
    ['a key deletion', `${HEADER}[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey]\r\n`],
    ['a value deletion', `${HEADER}"Kiosk"=-\r\n`],
    ['an unterminated string', `${HEADER}"ServerUrl"="https://a.example\r\n`],
    ['a value before any key', 'Windows Registry Editor Version 5.00\r\n\r\n"Kiosk"=dword:00000001\r\n'],
    ['a short dword', `${HEADER}"Kiosk"=dword:1\r\n`],
  ])('refuses %s as unreadable rather than reading part of it', async (_what, text) => {
    expect(() => parseRegFile(text)).toThrow(RegFileSyntaxError);
    expect(await rejection(readRegistry(text))).toMatchObject({ setting: HKLM, reason: { code: 'unreadable' } });
  });
});

describe('Managed configuration: the Windows policy reader cannot be fed a forged HKLM', () => {
  const QUERY_OUTPUT = `${FIXTURES}windows/hklm-policy.reg-query.txt`;
  const EXPORT = `${FIXTURES}windows/hklm-policy.reg`;

  /** The process stood in: what cmd.exe was asked, answered with what `reg query` prints for the fixture key. */
  function commandLineRecorder(answer: { exitCode: number; stdout?: Buffer }) {
    const calls: { file: string; commandLine: string }[] = [];
    const run: CommandRunner = async (file, commandLine) => {
      calls.push({ file, commandLine });
      return { exitCode: answer.exitCode, stdout: answer.stdout ?? Buffer.alloc(0), stderr: Buffer.alloc(0) };
    };
    return { run, calls };
  }
  const allPresent = () => true;

  it("reads `reg query <key> /s` from reg.exe's stdout as UTF-8, the same values as the key's export", async () => {
    const recorder = commandLineRecorder({ exitCode: 0, stdout: await readFile(QUERY_OUTPUT) });
    const values = await regQueryReader(recorder.run, allPresent)(HKLM);
    expect(values).toEqual(parseRegFile(decodeRegFile(await readFile(EXPORT))));
    expect(recorder.calls).toEqual([
      { file: CMD_EXE, commandLine: `/d /s /c "("${CHCP_COM}" 65001 >nul || exit 90) && "${REG_EXE}" query "${HKLM}" /s"` },
    ]);
    const read = await registrySource({ key: HKLM, kind: 'policy', readKey: regQueryReader(recorder.run, allPresent) }).read();
    expect(read.helpDeskContact).toBe('Service desk Zürich: +41 44 000 00 00, "help.corp.example"');
  });

  it('runs System32 programs by a fixed path, whatever SystemRoot, windir and PATH say', async () => {
    const planted = await mkdtemp(join(scratch, 'fake-windows-'));
    vi.stubEnv('SystemRoot', planted);
    vi.stubEnv('windir', planted);
    vi.stubEnv('PATH', join(planted, 'System32'));
    try {
      const recorder = commandLineRecorder({ exitCode: 0, stdout: await readFile(QUERY_OUTPUT) });
      const checked: string[] = [];
      await regQueryReader(recorder.run, (path) => (checked.push(path), true))(HKLM);
      expect(CMD_EXE).toBe('C:\\Windows\\System32\\cmd.exe');
      expect(REG_EXE).toBe('C:\\Windows\\System32\\reg.exe');
      expect(checked).toEqual([CMD_EXE, CHCP_COM, REG_EXE]);
      expect(JSON.stringify(recorder.calls)).not.toContain(planted);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reads no file: a forged export planted in %TEMP% is never read', async () => {
    const temp = await mkdtemp(join(scratch, 'temp-'));
    const forged = `${HEADER}"ServerUrl"="https://evil.example"\r\n"Kiosk"=dword:00000000\r\n`;
    // Where the old reader would have had reg.exe write, and any name an attacker might guess.
    for (const name of ['export.reg', 'firstkey-reg-AAAAAA/export.reg']) {
      await mkdir(dirname(join(temp, name)), { recursive: true });
      await writeFile(join(temp, name), forged);
    }
    for (const name of ['TEMP', 'TMP', 'TMPDIR']) vi.stubEnv(name, temp);
    try {
      const recorder = commandLineRecorder({ exitCode: 0, stdout: await readFile(QUERY_OUTPUT) });
      const read = await registrySource({ key: HKLM, kind: 'policy', readKey: regQueryReader(recorder.run, allPresent) }).read();
      expect(read).toMatchObject({ serverUrl: 'https://firstkey-api.corp.example', kiosk: true });
      expect(recorder.calls[0]?.commandLine).not.toContain(temp);
      // Nothing written there either.
      expect((await readdir(temp)).sort()).toEqual(['export.reg', 'firstkey-reg-AAAAAA']);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("hands the System32 programs none of the caller's environment", async () => {
    // A real process (env on this machine) with the runner's own environment: only the fixed Windows variables.
    const printed = await systemCommandRunner()('/usr/bin/env', '--null');
    const names = printed.stdout
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((pair) => pair.split('=')[0]);
    expect(names.sort()).toEqual(['SystemDrive', 'SystemRoot', 'windir']);
  });

  it('a missing System32 program, another exit code, or output it cannot read is an error, not an empty policy', async () => {
    const missing = regQueryReader(commandLineRecorder({ exitCode: 0 }).run, (path) => path !== REG_EXE);
    await expect(missing(HKLM)).rejects.toThrow(`${REG_EXE} is missing`);
    await expect(regQueryReader(commandLineRecorder({ exitCode: 5 }).run, allPresent)(HKLM)).rejects.toThrow('reg query exited with 5');
    const torn = Buffer.from(
      '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey\r\n    HelpDeskContact    REG_SZ    line one\r\nline two\r\n',
    );
    const source = registrySource({
      key: HKLM,
      kind: 'policy',
      readKey: regQueryReader(commandLineRecorder({ exitCode: 0, stdout: torn }).run, allPresent),
    });
    expect(await rejection(source.read())).toMatchObject({ setting: HKLM, reason: { code: 'unreadable' } });
    await expect(regQueryReader(commandLineRecorder({ exitCode: 0 }).run, allPresent)('HKLM\\Software\\x" & calc & "')).rejects.toThrow(
      'not a registry key the app reads',
    );
  });

  it('reads a missing key (reg.exe exit code 1) as no policy, and a console it could not switch to UTF-8 as an error', async () => {
    expect(await regQueryReader(commandLineRecorder({ exitCode: 1 }).run, allPresent)(HKLM)).toBeNull();
    await expect(regQueryReader(commandLineRecorder({ exitCode: 90 }).run, allPresent)(HKLM)).rejects.toThrow('chcp 65001');
  });

  it("parses reg query's columns: a subkey, an empty string, a dword, a multi-string, binary", () => {
    const text = [
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey',
      '    LogLevel    REG_SZ    ',
      '    Kiosk    REG_DWORD    0x0',
      '    ExtraCaCertificates    REG_MULTI_SZ    a\\0b\\0c',
      '    Blob    REG_BINARY    0A0B',
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey\\Updates',
      '    Enabled    REG_DWORD    0x1',
      '',
    ].join('\r\n');
    expect(parseRegQuery(text)).toEqual([
      {
        path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey',
        values: [
          { name: 'LogLevel', type: 'REG_SZ', data: '' },
          { name: 'Kiosk', type: 'REG_DWORD', data: 0 },
          { name: 'ExtraCaCertificates', type: 'REG_MULTI_SZ', data: ['a', 'b', 'c'] },
          { name: 'Blob', type: 'REG_BINARY', data: Uint8Array.from([10, 11]) },
        ],
      },
      { path: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\FirstKey\\Updates', values: [{ name: 'Enabled', type: 'REG_DWORD', data: 1 }] },
    ]);
    expect(() => parseRegQuery('    Kiosk    REG_DWORD    0x1\r\n')).toThrow(RegQuerySyntaxError);
    expect(() => parseRegQuery('HKEY_LOCAL_MACHINE\\X\r\n    Kiosk    REG_DWORD    1\r\n')).toThrow(RegQuerySyntaxError);
  });

  it('refuses a value under a subkey, read through reg query as through an export', async () => {
    const recorder = commandLineRecorder({ exitCode: 0, stdout: await readFile(`${FIXTURES}windows/hklm-subkey.reg-query.txt`) });
    const source = registrySource({ key: HKLM, kind: 'policy', readKey: regQueryReader(recorder.run, allPresent) });
    expect(await rejection(source.read())).toMatchObject({ reason: { code: 'unknown_setting' } });
  });
});

describe('Managed configuration: the managed-preferences (plist) reader', () => {
  it('parses the XML plist subset: dict, array, string with entities, integer, real, true, false, date, data', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <!-- a comment -->
  <key>s</key><string>a &amp; b &lt;c&gt; &#233;&#x1F511;</string>
  <key>empty</key><string/>
  <key>i</key><integer>-42</integer>
  <key>r</key><real>1.5e2</real>
  <key>t</key><true/><key>f</key><false/>
  <key>d</key><date>2030-01-02T03:04:05Z</date>
  <key>b</key><data>AAEC</data>
  <key>a</key><array><string>x</string><array/><dict/></array>
</dict></plist>`;
    expect(parsePlistXml(xml)).toEqual({
      s: 'a & b <c> é🔑',
      empty: '',
      i: -42,
      r: 150,
      t: true,
      f: false,
      d: new Date('2030-01-02T03:04:05Z'),
      b: new Uint8Array([0, 1, 2]),
      a: ['x', [], {}],
    });
  });

  it('keeps a key named __proto__ a key', () => {
    const parsed = parsePlistXml('<plist version="1.0"><dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict></plist>');
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['an unclosed element', '<plist version="1.0"><dict><key>a</key><string>x</dict></plist>'],
    ['a duplicate key', '<plist version="1.0"><dict><key>a</key><true/><key>a</key><false/></dict></plist>'],
    ['a value without its key', '<plist version="1.0"><dict><string>x</string></dict></plist>'],
    ['an unknown element', '<plist version="1.0"><dict><key>a</key><uid>1</uid></dict></plist>'],
    ['an attribute on a value', '<plist version="1.0"><string id="x">a</string></plist>'],
    ['a bare ampersand', '<plist version="1.0"><string>a & b</string></plist>'],
    ['an unknown entity', '<plist version="1.0"><string>&nbsp;</string></plist>'],
    ['CDATA', '<plist version="1.0"><string><![CDATA[x]]></string></plist>'],
    ['an integer that is not one', '<plist version="1.0"><integer>1.5</integer></plist>'],
    ['-- inside a comment (a PEM pasted into one)', '<plist version="1.0"><!-- -----BEGIN CERTIFICATE----- --><true/></plist>'],
    ['text after the plist', '<plist version="1.0"><true/></plist>trailing'],
    ['two values in the plist', '<plist version="1.0"><true/><false/></plist>'],
  ])('refuses %s', (_what, xml) => {
    expect(() => parsePlistXml(xml)).toThrow(PlistSyntaxError);
  });

  it('reads an XML plist file as it is and hands a binary one (bplist00) to plutil', async () => {
    const xmlFile = join(scratch, 'xml.plist');
    const binaryFile = join(scratch, 'binary.plist');
    await writeFile(xmlFile, await readFile(`${FIXTURES}macos/user-preferences.plist`));
    await writeFile(binaryFile, Buffer.concat([Buffer.from('bplist00'), Buffer.alloc(24)]));
    const converted: string[] = [];
    const read = plistFileReader(async (path) => {
      converted.push(path);
      return readFile(`${FIXTURES}macos/user-managed.plist`, 'utf8');
    });
    expect(await read(xmlFile)).toContain('<string>debug</string>');
    expect(await read(binaryFile)).toContain('<string>info</string>');
    expect(await read(join(scratch, 'absent.plist'))).toBeNull();
    expect(converted).toEqual([binaryFile]);
  });

  it('skips the profile format’s Payload* bookkeeping keys and reads a single PEM <string> as a list of one', async () => {
    const file = join(scratch, 'payload.plist');
    const pem = PEM_LINES.join('\n');
    await writeFile(
      file,
      `<plist version="1.0"><dict><key>PayloadUUID</key><string>9C7DF3BC</string><key>ExtraCaCertificates</key><string>${pem}</string></dict></plist>`,
    );
    expect(await managedPreferencesSource({ path: file, kind: 'policy' }).read()).toEqual({ extraCaCertificates: [pem] });
  });

  it('a plutil failure on a binary plist is an unreadable source, not an empty one', async () => {
    const file = join(scratch, 'broken-binary.plist');
    await writeFile(file, 'bplist00garbage');
    const source = managedPreferencesSource({
      path: file,
      kind: 'policy',
      readXml: plistFileReader(async () => {
        throw new Error('plutil: Property List error: Unexpected character b at line 1');
      }),
    });
    expect(await rejection(source.read())).toMatchObject({ setting: file, reason: { code: 'unreadable' } });
  });
});

describe('Managed configuration: the environment reader', () => {
  it('reads FIRSTKEY_* variables, an empty one as unset, booleans as 1/0/true/false', async () => {
    expect(
      await environmentSource({
        FIRSTKEY_SERVER_URL: '',
        FIRSTKEY_KIOSK: 'TRUE',
        FIRSTKEY_UPDATES_ENABLED: '0',
        FIRSTKEY_LOG_LEVEL: 'debug',
        FIRSTKEY_PORT: '8787',
      }).read(),
    ).toEqual({ kiosk: true, 'updates.enabled': false, logLevel: 'debug' });
  });
});
