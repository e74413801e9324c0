import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * Issue 10, "Electron 38 is out of support". Electron supports its latest three
 * stable majors, and a new major reaches stable every 8 weeks, on the day of
 * every other Chrome stable (electronjs.org/docs/latest/tutorial/electron-timelines).
 * No network here, so the latest major is reckoned from a published release
 * date: Electron 42.0.0 reached stable on 2026-05-05 (Electron's release
 * schedule; M148). Chrome's own 4-week train keeps the reckoning within days
 * of the real dates (39: 2025-10-28, 40: 2026-01-13, 44: 2026-08-25).
 */

const ANCHOR = { major: 42, stable: Date.UTC(2026, 4, 5) };
const CADENCE_MS = 8 * 7 * 24 * 60 * 60 * 1000;
const SUPPORTED_MAJORS = 3;

/** The newest Electron major that has reached stable by `now`, by the published cadence. */
export function expectedLatestMajor(now: Date): number {
  return ANCHOR.major + Math.floor((now.getTime() - ANCHOR.stable) / CADENCE_MS);
}

export function isSupported(installedMajor: number, now: Date): boolean {
  return installedMajor >= expectedLatestMajor(now) - (SUPPORTED_MAJORS - 1);
}

function installedElectronMajor(): number {
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string };
  return Number(version.split('.')[0]);
}

describe('Electron 38 is out of support', () => {
  it("keeps the installed Electron within Electron's supported window (latest three stable majors)", () => {
    const installed = installedElectronMajor();
    const now = new Date();
    const latest = expectedLatestMajor(now);
    expect(
      isSupported(installed, now),
      `Electron ${installed} is out of support on ${now.toISOString().slice(0, 10)}: ` +
        `the supported majors are ${latest - 2}..${latest}. Move package.json to electron@^${latest} ` +
        `and read https://www.electronjs.org/docs/latest/breaking-changes.`,
    ).toBe(true);
  });

  it('reckons the latest major as the published release dates give it', () => {
    expect(expectedLatestMajor(new Date('2026-05-05T00:00:00Z'))).toBe(42);
    expect(expectedLatestMajor(new Date('2026-06-29T23:00:00Z'))).toBe(42);
    expect(expectedLatestMajor(new Date('2026-06-30T00:00:00Z'))).toBe(43);
    // Electron 44 reached stable on 2026-08-25, eight weeks after 43.
    expect(expectedLatestMajor(new Date('2026-08-25T12:00:00Z'))).toBe(44);
    expect(expectedLatestMajor(new Date('2026-12-04T00:00:00Z'))).toBe(45);
  });

  it('fails a pinned major once three newer majors are out, as 38 was', () => {
    // Electron 41 stable (2026-03-10): 38 had just left the window 39..41.
    const electron41Stable = new Date('2026-03-10T12:00:00Z');
    expect(isSupported(38, electron41Stable)).toBe(false);
    expect(isSupported(39, electron41Stable)).toBe(true);
    // 45, pinned today, lasts until 48 is expected (eight weeks after 47).
    expect(isSupported(45, new Date('2027-04-05T00:00:00Z'))).toBe(true);
    expect(isSupported(45, new Date('2027-04-06T00:00:00Z'))).toBe(false);
  });
});
