import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** deploy/firstkey-server.service: the settings the deployment guide promises, and systemd's own check where systemd is installed. */

const UNIT = 'deploy/firstkey-server.service';
const text = readFileSync(UNIT, 'utf8');

/** Every `Key=value` of a section, in order (a key may repeat, as SystemCallFilter does). */
function section(name: string): [string, string][] {
  const body = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .filter((line) => /^\w+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
}

const service = section('Service');
const values = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
const value = (key: string) => {
  const found = values(key);
  expect(found, `${key} set once`).toHaveLength(1);
  return found[0] ?? '';
};

const systemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

describe(UNIT, () => {
  it('runs the bundle as its own user, with its settings from /etc/firstkey/server.env and its data in the state directory', () => {
    expect(value('User')).toBe('firstkey');
    expect(value('ExecStart')).toMatch(/^\/usr\/bin\/node \/opt\/firstkey\/dist\/server\/main\.js$/);
    expect(value('EnvironmentFile')).toBe('/etc/firstkey/server.env');
    expect(value('StateDirectory')).toBe('firstkey');
    expect(values('Environment')).toContain('FIRSTKEY_DATA_DIR=%S/firstkey');
    expect(value('Restart')).toBe('on-failure');
    expect(value('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('is sandboxed: no privileges, a read-only system, only the address families it needs', () => {
    expect(value('NoNewPrivileges')).toBe('yes');
    expect(value('CapabilityBoundingSet')).toBe('');
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('PrivateTmp')).toBe('yes');
    expect(value('ProtectHome')).toBe('yes');
    expect(value('RestrictAddressFamilies').split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    expect(values('SystemCallFilter')).toEqual(['@system-service', '~@privileged']);
  });

  it('does not set MemoryDenyWriteExecute, which V8 (a JIT compiler) cannot run under', () => {
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
  });

  it.skipIf(!systemdAnalyze)('passes systemd-analyze verify', () => {
    // skipped where systemd-analyze is not installed
    // verify insists that ExecStart's program exists; where Node is not /usr/bin/node (CI takes
    // Node from the npm registry), the check runs on a copy naming this Node instead.
    const dir = mkdtempSync(join(tmpdir(), 'firstkey-unit-'));
    try {
      const copy = join(dir, 'firstkey-server.service');
      writeFileSync(copy, text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
