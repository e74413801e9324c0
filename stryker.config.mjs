// @ts-check
/**
 * Mutation testing of FirstKey's security checks (issue 17): every listed module must score
 * 90% or better, and every surviving mutant is either killed or explained as equivalent in
 * bench/MUTATION.md. Run it all with `npm run mutation`, or one module at a time with
 * `npx stryker run --mutate server/dpop/verify-proof.ts`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  testRunner: 'vitest',
  vitest: {
    // Unit, server, main and attestation tests only: no keyring, no browser (see that file).
    configFile: 'stryker.vitest.config.mts',
    // Vitest's "related" lookup walks every test's imports and cannot resolve the 'electron'
    // package that test/main/electron-wiring.test.ts replaces with vi.mock: the dry run crashes.
    // Per-test coverage below picks each mutant's tests anyway.
    related: false,
  },
  // Each mutant runs only the tests that executed its code in the dry run: the whole suite
  // takes over a minute, so running all of it per mutant would take hours.
  coverageAnalysis: 'perTest',
  // The machine has 2 cores, shared with another engineer's work: one test process at a time.
  concurrency: 1,
  // Every test that covers a mutant runs, not only up to the first failure: the JSON report then
  // names every test that kills each mutant, which shows what the older tests caught on their own.
  disableBail: true,
  // A mutant that makes a test hang (a loop that never ends) counts as killed by timeout.
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  // reports/ is gitignored: the JSON is evidence for bench/MUTATION.md, not source.
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The security checks an attacker probes: proof-of-possession, codes and their throttles,
  // the WebAuthn ceremonies, policy and attestation trust, and main's IPC and asset gates.
  mutate: [
    'server/dpop/verify-proof.ts',
    'server/dpop/replay-cache.ts',
    'server/enrolment/codes.ts',
    'server/enrolment/sessions.ts',
    'server/recovery/codes.ts',
    'server/recovery/recovery-codes.ts',
    'server/recovery/helpdesk.ts',
    'server/webauthn/registration.ts',
    'server/webauthn/authentication.ts',
    'server/policy/evaluate.ts',
    'server/attestation/trust.ts',
    'electron/main/ipc/dispatcher.ts',
    'electron/main/renderer-assets.ts',
  ],
  // Test output and local data stay out of the sandbox copy Stryker tests in. dist/ stays in:
  // test/main/security-checklist.test.ts inspects the built app.
  ignorePatterns: ['test-results', 'playwright-report', 'reports', 'bench/.tmp', '.firstkey-data'],
  // tsc runs separately (npm run typecheck); the checker would double the time per mutant.
  checkers: [],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

export default config;
