import { defineConfig } from 'vitest/config';

/**
 * The Vitest configuration Stryker runs (stryker.config.mjs points here).
 *
 * Only the projects that run headless on a plain machine: test/keychain needs a Secret Service
 * (a D-Bus keyring) and test/renderer is the i18n catalogue, which no mutated module reaches;
 * test/e2e and test/electron are Playwright (Chromium, Electron) and never run under Vitest.
 * test/attestation shells out to the system `openssl` to make its certificates.
 *
 * test/main/security-checklist.test.ts is left out: it lists the project with `git ls-files`,
 * which finds nothing inside Stryker's sandbox (.stryker-tmp is gitignored), and it checks the
 * packaging configuration, which no mutated module is part of.
 *
 * FIRSTKEY_MUTATION_TESTS (comma-separated globs) narrows the files for a one-module run, e.g.
 *   FIRSTKEY_MUTATION_TESTS='test/server/dpop*.test.ts' npx stryker run --mutate server/dpop/verify-proof.ts
 * Static mutants (module-level constants such as regex tables and KDF parameters) cannot be
 * traced to tests and run every included file: over the whole suite that is most of a run's time.
 * A narrower set can only miss kills, never invent them, so its score is a lower bound.
 */
const only = process.env.FIRSTKEY_MUTATION_TESTS?.split(',')
  .map((glob) => glob.trim())
  .filter(Boolean);

export default defineConfig({
  test: {
    include: only?.length
      ? only
      : ['test/unit/**/*.test.ts', 'test/server/**/*.test.ts', 'test/main/**/*.test.ts', 'test/attestation/**/*.test.ts'],
    exclude: ['test/main/security-checklist.test.ts', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
