import { expect, test } from './fixtures.js';
import { keepRecoveryCodes, startEnrolment } from './journey.js';
import type { WireRecord } from './harness.js';

/**
 * Issue 10, "Logs and diagnostics": a whole journey through the real renderer, main's real
 * controller, API client and file logger, against the real server; then every line main logged,
 * and the diagnostics file the help desk gets, are searched for every secret the journey used.
 */

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Opaque values a body carried: tokens, codes, challenges, attestation parts. */
function opaqueStrings(json: string | null): string[] {
  if (!json) return [];
  const found: string[] = [];
  const walk = (value: unknown): void => {
    // Timestamps are not secrets, and one can equal a log line's own time to the millisecond.
    if (typeof value === 'string' && value.length >= 20 && !/\s/.test(value) && !isoTime.test(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  try {
    walk(JSON.parse(json));
  } catch {
    // Not JSON: nothing to take apart.
  }
  return found;
}

function secretsOnTheWire(wire: readonly WireRecord[]): Set<string> {
  const secrets = new Set<string>();
  for (const call of wire) {
    const token = call.authorization?.replace(/^(DPoP|Bearer) /, '');
    if (token) secrets.add(token);
    if (call.dpop) {
      secrets.add(call.dpop);
      // The signature alone is as unique as the whole proof.
      secrets.add(call.dpop.split('.').at(-1) ?? call.dpop);
    }
    for (const value of [...opaqueStrings(call.requestBody), ...opaqueStrings(call.responseBody)]) secrets.add(value);
  }
  return secrets;
}

test.describe('Logs and diagnostics', () => {
  test('a whole enrolment leaves no code, token, DPoP proof or recovery code in any log line or the diagnostics file', async ({
    page,
    fk,
  }) => {
    await fk.addAuthenticator({ transport: 'internal' });
    const code = await fk.issueCode();
    await fk.open(page);
    await startEnrolment(page, code);
    const recoveryCodes = await keepRecoveryCodes(page);
    // The person quits; later the help desk asks for diagnostics from the start screen.
    await fk.restart(page);
    await page.getByRole('button', { name: 'Export diagnostics' }).click();
    await expect(page.getByText('Diagnostics saved. Send the file to your help desk.')).toBeVisible();

    const lines = await fk.logLines();
    const events = lines.map((line) => (JSON.parse(line) as { event: string; operation?: string }).operation ?? '');
    // The log is really written: every call of the journey is there, by name.
    expect(events).toEqual(expect.arrayContaining(['openSession', 'registrationOptions', 'verifyRegistration', 'complete']));
    const [diagnostics] = [...fk.diagnosticsFiles().values()];
    expect(diagnostics).toContain('api.call');

    const secrets = secretsOnTheWire(fk.wire);
    for (const recoveryCode of recoveryCodes) secrets.add(recoveryCode).add(recoveryCode.replaceAll('-', ''));
    secrets.add(code).add(code.replaceAll('-', ''));
    expect(secrets.size).toBeGreaterThan(20);
    const leaks = [
      ...lines.map((line, i) => [`log line ${i + 1}`, line] as const),
      ['diagnostics file', diagnostics ?? ''] as const,
    ].flatMap(([where, text]) =>
      [...secrets].filter((secret) => text.includes(secret)).map((secret) => `${where}: ${secret.slice(0, 12)}...`),
    );
    expect(leaks).toEqual([]);
  });
});
