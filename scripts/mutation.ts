/**
 * `npm run mutation`: Stryker over the security-critical modules, one group at a time, each with
 * only the test files that exercise it (FIRSTKEY_MUTATION_TESTS, read by stryker.vitest.config.mts).
 * One run over everything with every headless test file takes over three hours on two cores,
 * mostly because static mutants cannot be traced to tests and run the whole suite; by group the
 * whole set takes about three quarters of an hour. A narrower test set can only miss kills, so
 * each score is a lower bound. `npm run mutation -- dpop` runs the groups whose name contains it.
 *
 * Prints a score per module and exits 1 when any module is under the goal (bench/MUTATION.md).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const GOAL = 90;
const REPORT = 'reports/mutation/mutation.json';

interface Group {
  name: string;
  modules: string[];
  tests: string[];
}

const GROUPS: Group[] = [
  { name: 'dpop', modules: ['server/dpop/verify-proof.ts', 'server/dpop/replay-cache.ts'], tests: ['test/server/dpop*.test.ts'] },
  {
    name: 'codes',
    modules: ['server/enrolment/codes.ts', 'server/recovery/codes.ts', 'server/recovery/recovery-codes.ts'],
    tests: ['test/server/enrolment-*.test.ts', 'test/server/code-attacks-*.test.ts', 'test/server/code-issuing-attacks.test.ts'],
  },
  { name: 'sessions', modules: ['server/enrolment/sessions.ts'], tests: ['test/server/session-attacks.test.ts'] },
  { name: 'helpdesk', modules: ['server/recovery/helpdesk.ts'], tests: ['test/server/helpdesk*attacks.test.ts'] },
  {
    name: 'registration',
    modules: ['server/webauthn/registration.ts'],
    tests: ['test/server/conformance*.test.ts', 'test/server/registration-attacks.test.ts'],
  },
  {
    name: 'authentication',
    modules: ['server/webauthn/authentication.ts'],
    tests: ['test/server/authentication*.test.ts', 'test/server/conformance*.test.ts'],
  },
  { name: 'policy', modules: ['server/policy/evaluate.ts'], tests: ['test/server/policy*.test.ts'] },
  { name: 'attestation', modules: ['server/attestation/trust.ts'], tests: ['test/attestation/trust*.test.ts'] },
  {
    name: 'limits',
    modules: ['server/limits/attempt-throttle.ts', 'server/limits/client-limiter.ts', 'server/limits/tries-left.ts'],
    tests: ['test/server/throttling.test.ts', 'test/server/client-limits.test.ts', 'test/server/tries-left.test.ts'],
  },
  {
    name: 'reopening',
    modules: ['server/enrolment/code-reopening.ts'],
    tests: ['test/server/code-reuse-after-timeout.test.ts'],
  },
  {
    name: 'device-approval',
    modules: ['server/device-approval/service.ts', 'server/device-approval/filing-limits.ts'],
    tests: ['test/server/device-approval.test.ts'],
  },
  {
    name: 'emergency-access',
    modules: [
      'server/emergency-access/owner-requests.ts',
      'server/emergency-access/decisions.ts',
      'server/emergency-access/introspection.ts',
      'server/emergency-access/owners.ts',
      'server/emergency-access/token.ts',
    ],
    tests: ['test/server/emergency-access*.test.ts'],
  },
  {
    name: 'operators',
    modules: ['server/operators/resolve.ts', 'server/operators/api-tokens.ts', 'server/operators/console-sessions.ts'],
    tests: ['test/server/operators-*.test.ts'],
  },
  {
    name: 'break-glass',
    modules: [
      'server/break-glass/ceremony.ts',
      'server/break-glass/ceremony-keys.ts',
      'server/break-glass/service.ts',
      'server/break-glass/use.ts',
    ],
    tests: ['test/server/break-glass*.test.ts'],
  },
  {
    name: 'audit-proof',
    modules: ['server/audit/chain.ts', 'server/audit/verifier.ts'],
    tests: ['test/server/audit-*.test.ts'],
  },
  {
    name: 'ctap2',
    modules: ['electron/main/ctap2/cbor.ts', 'electron/main/ctap2/pin-protocol.ts', 'electron/main/ctap2/ctaphid.ts'],
    tests: ['test/main/ctap2-*.test.ts'],
  },
  {
    name: 'main',
    modules: ['electron/main/ipc/dispatcher.ts', 'electron/main/renderer-assets.ts'],
    tests: ['test/main/dispatcher*.test.ts', 'test/main/renderer-assets*.test.ts'],
  },
];

const Report = z.object({
  files: z.record(z.string(), z.object({ mutants: z.array(z.object({ status: z.string() })) })),
});

interface Score {
  module: string;
  killed: number;
  survived: number;
  noCoverage: number;
  score: number;
}

function scores(reportFile: string): Score[] {
  const report = Report.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
  return Object.entries(report.files).map(([module, { mutants }]) => {
    const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
    const killed = count('Killed', 'Timeout');
    const survived = count('Survived');
    const noCoverage = count('NoCoverage');
    const scored = killed + survived + noCoverage;
    return { module, killed, survived, noCoverage, score: scored === 0 ? 100 : (100 * killed) / scored };
  });
}

const filter = process.argv[2];
const groups = GROUPS.filter((g) => !filter || g.name.includes(filter));
if (groups.length === 0) {
  console.error(`no group matches "${filter ?? ''}"; groups: ${GROUPS.map((g) => g.name).join(', ')}`);
  process.exit(2);
}

mkdirSync('reports/mutation', { recursive: true });
const results: Score[] = [];
for (const [index, group] of groups.entries()) {
  const started = Date.now();
  console.log(`\n[${String(index + 1)}/${String(groups.length)}] ${group.name}: ${group.modules.join(', ')}`);
  const run = spawnSync('npx', ['stryker', 'run', '--mutate', group.modules.join(',')], {
    stdio: 'inherit',
    env: { ...process.env, FIRSTKEY_MUTATION_TESTS: group.tests.join(',') },
  });
  if (run.status !== 0) {
    console.error(`stryker failed for ${group.name} (exit ${String(run.status)})`);
    process.exit(run.status ?? 1);
  }
  const kept = `reports/mutation/${group.name}.json`;
  copyFileSync(REPORT, kept);
  const found = scores(kept);
  // A module that was listed but not mutated would otherwise vanish from the table.
  const missing = group.modules.filter((m) => !found.some((f) => f.module === m));
  if (missing.length > 0) {
    console.error(`${group.name}: no mutants reported for ${missing.join(', ')}`);
    process.exit(1);
  }
  results.push(...found);
  console.log(`${group.name}: ${String(Math.round((Date.now() - started) / 1000))} s`);
}

console.log('\n| module | killed | survived | no coverage | score |\n|---|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.module} | ${String(r.killed)} | ${String(r.survived)} | ${String(r.noCoverage)} | ${r.score.toFixed(1)}% |`);
}
const under = results.filter((r) => r.score < GOAL);
if (under.length > 0) {
  console.error(`under ${String(GOAL)}%: ${under.map((r) => r.module).join(', ')}`);
  process.exit(1);
}
