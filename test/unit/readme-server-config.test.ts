import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromEnv, SERVER_ENV_NAMES } from '../../server/config.js';

/** The README's server table is the operator's quick reference: every variable the server reads, with its real default. */
describe("README's server configuration table", () => {
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(
    readme.indexOf('Server (`FIRSTKEY_*` environment variables'),
    readme.indexOf('### App: managed configuration'),
  );
  const rows = table.split('\n').filter((line) => line.startsWith('| `FIRSTKEY_'));

  it('names every variable configFromEnv reads', () => {
    const named = new Set(rows.flatMap((row) => [...(row.split(' | ')[0] ?? '').matchAll(/`(FIRSTKEY_[A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect(Object.values(SERVER_ENV_NAMES).filter((name) => !named.has(name))).toEqual([]);
  });

  it('states the throttling and lock defaults the server has', () => {
    const defaults = configFromEnv({});
    expect(table).toContain(`| \`FIRSTKEY_CODE_MAX_ATTEMPTS\` | \`${defaults.codeMaxAttempts}\` |`);
    expect(table).toContain(`| \`${defaults.recoveryCodeMaxAttempts}\`, \`${defaults.recoveryLockSeconds}\` |`);
    expect(table).toContain(
      `| \`${defaults.throttleFreeFailures}\`, \`${defaults.throttleBaseSeconds}\`, \`${defaults.throttleMaxSeconds}\` |`,
    );
    expect(table).toContain(
      `| \`${defaults.clientLimitWindowSeconds}\`, \`${defaults.clientMaxRequests}\`, \`${defaults.clientMaxFailures}\` |`,
    );
  });
});
