import { asAgent, CHECKED } from '../support/operators.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FunnelReport, JourneyStep } from '../../api/friction.js';
import { CreateSessionResponse, RegistrationOptionsResponse } from '../../api/enrolment.js';
import { RecoveryApprovalResponse, RecoveryRequestView } from '../../api/recovery.js';
import { reportCommands } from '../../server/admin/report-commands.js';
import { DEFAULT_POLICY } from '../../server/policy/default-policy.js';
import { REFUSAL_LABELS, RECOVERY_METHODS } from '../../server/friction/reasons.js';
import { TIME_TO_ENROL_BUCKETS } from '../../server/friction/funnel.js';
import { Api, ADMIN_TOKEN, expectAnswer, expectRefusal, expectStatus, passkey, securityKey, type Device } from '../support/api-harness.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { createServices } from '../../server/services.js';
import { PolicyStore } from '../../server/policy/store.js';
import { noMetadata } from '../../server/policy/evaluate.js';
import { TEST_ORIGIN } from '../support/service-harness.js';

/**
 * A scripted day of enrolments on the real server (HTTP, this run's database, a frozen clock): ten codes
 * issued to six employees and four contractors, eight sessions opened, seven factors registered, six
 * completed; a wrong code and a synced passkey refused; one recovery by recovery code, one by the help
 * desk (and a request denied); one session abandoned on "Is this you?". The funnel endpoint, the report
 * command and the /metrics body must each show exactly those numbers, and none of them any name or code.
 */

let api: Api;
let report: FunnelReport;
let metrics: string;
let reportLines: string[];
let reportJson: unknown;
/** What must never leave the server in a metric or a report: names, codes, device names and ids. */
const secrets: string[] = [];

const standard = ['zorblax.alpha', 'zorblax.bravo', 'zorblax.charlie', 'zorblax.delta', 'zorblax.echo', 'zorblax.foxtrot'];
const contractors = ['quibble.one', 'quibble.two', 'quibble.three', 'quibble.four'];

async function open(device: Device, code: string): Promise<string> {
  return CreateSessionResponse.parse(expectStatus(await device.call('openSession', { body: { code, device: device.signals } }), 201)).token;
}

async function sendTimings(device: Device, token: string, body: unknown) {
  return device.call('reportStepTimings', { token, body });
}

beforeAll(async () => {
  // Codes live the whole day here, so the slowest new hire still gets through.
  api = await Api.start({ codeTtlSeconds: 86_400 });
  const codes = new Map<string, string>();
  for (const username of standard) await api.createUser({ username });
  for (const username of contractors) await api.createUser({ username, employmentType: 'contractor' });
  // Ten codes at the start of the day.
  for (const username of [...standard, ...contractors]) codes.set(username, await api.enrolmentCode(username));
  secrets.push(...standard, ...contractors, ...codes.values(), ...[...codes.values()].map((c) => c.slice(0, 4)));
  const code = (username: string) => codes.get(username) ?? '';

  // Each new hire finishes this many seconds after the codes were issued.
  const finishes: [string, 'passkey' | 'security-key', number][] = [
    ['zorblax.alpha', 'passkey', 100],
    ['zorblax.bravo', 'passkey', 300],
    ['zorblax.charlie', 'passkey', 500],
    ['zorblax.delta', 'security-key', 1000],
    ['quibble.one', 'security-key', 2000],
    ['quibble.two', 'passkey', 4000],
  ];
  const devices = new Map<string, Device>();
  let alphaRecoveryCode = '';
  let elapsed = 0;
  for (const [username, factor, at] of finishes) {
    api.clock.advance(at - elapsed);
    elapsed = at;
    const device = await api.device({ name: `laptop-of-${username}` });
    devices.set(username, device);
    secrets.push(`laptop-of-${username}`);
    const token = await open(device, code(username));
    if (username === 'quibble.two') {
      // A contractor's passkey that syncs is refused; a device-bound one is then taken.
      const { options } = RegistrationOptionsResponse.parse(
        expectStatus(await device.call('registrationOptions', { token, body: { factor } }), 200),
      );
      const synced = new SoftAuthenticator({ attachment: 'platform', userVerified: true, backupEligible: true });
      const response = synced.create(options, { origin: TEST_ORIGIN });
      expectRefusal(await device.call('verifyRegistration', { token, body: { factor, response } }), 403, 'synced_passkey_not_allowed');
    }
    await device.register(token, factor, factor === 'passkey' ? passkey() : securityKey());
    const done = await device.complete(token);
    if (username === 'zorblax.alpha') alphaRecoveryCode = done.recoveryCodes?.[0] ?? '';
    if (username === 'zorblax.alpha') {
      // The app's timings for a completed session: not a drop-off.
      const timings = [
        { step: 'code', ms: 5000 },
        { step: 'confirm', ms: 3000 },
        { step: 'ceremony', ms: 8000 },
        { step: 'codes', ms: 4000 },
      ];
      expectStatus(await sendTimings(device, token, timings), 204);
      // Once per session.
      expectRefusal(await sendTimings(device, token, timings), 400, 'invalid_request');
    }
  }

  // Registered a security key, never completed (the app sent nothing: closed).
  const echo = await api.device({ name: 'laptop-of-zorblax.echo' });
  const echoToken = await open(echo, code('zorblax.echo'));
  await echo.register(echoToken, 'security-key', securityKey());
  expectStatus(await echo.call('endSession', { token: echoToken }), 204);

  // Opened, then left on "Is this you?": the app ends the session and says where it stopped.
  const three = await api.device({ name: 'laptop-of-quibble.three' });
  const threeToken = await open(three, code('quibble.three'));
  expectStatus(await three.call('endSession', { token: threeToken }), 204);
  expectStatus(
    await sendTimings(three, threeToken, [
      { step: 'code', ms: 4000 },
      { step: 'confirm', ms: 60_000 },
    ]),
    204,
  );

  // A mistyped code (the right handle, a wrong secret).
  const foxtrot = code('zorblax.foxtrot');
  const wrong = foxtrot.slice(0, -1) + (foxtrot.endsWith('0') ? '1' : '0');
  expectRefusal(await (await api.device()).call('openSession', { body: { code: wrong, device: echo.signals } }), 400, 'code_invalid');

  // zorblax.alpha lost the passkey: back in with a recovery code, from a new laptop.
  const alphaNew = await api.device({ name: 'new-laptop-of-zorblax.alpha' });
  secrets.push('new-laptop-of-zorblax.alpha', alphaRecoveryCode);
  const recovered = CreateSessionResponse.parse(
    expectStatus(await alphaNew.recover({ method: 'recovery-code', username: 'zorblax.alpha', code: alphaRecoveryCode }), 201),
  );
  await alphaNew.register(recovered.token, 'passkey', passkey());
  await alphaNew.complete(recovered.token);

  // zorblax.bravo asks the help desk, who approve two minutes later; zorblax.charlie's request is denied.
  const bravoNew = await api.device({ name: 'loaner-of-zorblax.bravo' });
  secrets.push('loaner-of-zorblax.bravo');
  const filed = RecoveryRequestView.parse(
    expectStatus(await bravoNew.call('fileRecoveryRequest', { body: { username: 'zorblax.bravo', device: bravoNew.signals } }), 201),
  );
  secrets.push(filed.reference, filed.reference.replace('-', ''));
  api.clock.advance(120);
  const approval = RecoveryApprovalResponse.parse(
    expectStatus(
      await asAgent(api, 'grace', 'approveRecovery', { params: { id: filed.id }, body: { username: 'zorblax.bravo', ...CHECKED } }),
      200,
    ),
  );
  secrets.push(approval.code ?? '');
  const helped = CreateSessionResponse.parse(
    expectStatus(await bravoNew.recover({ method: 'helpdesk', requestId: filed.id, code: approval.code }), 201),
  );
  await bravoNew.register(helped.token, 'passkey', passkey());
  await bravoNew.complete(helped.token);
  const charlieNew = await api.device({ name: 'loaner-of-zorblax.charlie' });
  const refused = RecoveryRequestView.parse(
    expectStatus(await charlieNew.call('fileRecoveryRequest', { body: { username: 'zorblax.charlie', device: charlieNew.signals } }), 201),
  );
  expectStatus(
    await asAgent(api, 'grace', 'denyRecovery', {
      params: { id: refused.id },
      body: { username: 'zorblax.charlie', reason: 'not verified' },
    }),
    200,
  );

  // Every id the day made: none may appear in a metric or a report either.
  for (const { id } of await api.db.selectFrom('users').select('id').execute()) secrets.push(id);
  for (const { id } of await api.db.selectFrom('devices').select('id').execute()) secrets.push(id);
  for (const { id } of await api.db.selectFrom('sessions').select('id').execute()) secrets.push(id);
  for (const { id } of await api.db.selectFrom('credentials').select('id').execute()) secrets.push(id);

  api.clock.advance(60);
  report = expectAnswer('funnelReport', await api.admin('funnelReport', { query: { since: '1d' } }));
  const scraped = await fetch(`${api.server.url}/metrics?since=1d`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(scraped.status).toBe(200);
  expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  metrics = await scraped.text();
  // The command works on the database alone, with services of its own: what several instances would see.
  const run = async (args: string[]) => {
    const out: string[] = [];
    const code = await reportCommands.report?.run(args, {
      services: createServices({
        db: api.db,
        clock: api.clock,
        config: api.config,
        policy: PolicyStore.fixed(DEFAULT_POLICY),
        attestation: noMetadata,
      }),
      db: api.db,
      config: api.config,
      env: {},
      actor: 'cli:test',
      out: (line) => out.push(line),
    });
    expect(code).toBe(0);
    return out;
  };
  reportLines = await run(['--since', '1d']);
  reportJson = JSON.parse((await run(['--since', '1d', '--json'])).join('\n'));
});

afterAll(() => api.close());

const stages = (codes: number, sessions: number, registered: number, completed: number) => [
  { stage: 'codes_issued', count: codes },
  { stage: 'sessions_opened', count: sessions },
  { stage: 'factors_registered', count: registered },
  { stage: 'completed', count: completed },
];
const fromRegistration = (registered: number, completed: number) => [
  { stage: 'factors_registered', count: registered },
  { stage: 'completed', count: completed },
];

/** The numbers the day above must give, wherever they are read. */
const EXPECTED = {
  stages: stages(10, 8, 7, 6),
  byTier: [
    { tier: 'contractor', factorKind: null, stages: stages(4, 3, 2, 2) },
    { tier: 'contractor', factorKind: 'passkey', stages: fromRegistration(1, 1) },
    { tier: 'contractor', factorKind: 'security-key', stages: fromRegistration(1, 1) },
    { tier: 'standard', factorKind: null, stages: stages(6, 5, 5, 4) },
    { tier: 'standard', factorKind: 'passkey', stages: fromRegistration(3, 3) },
    { tier: 'standard', factorKind: 'security-key', stages: fromRegistration(2, 1) },
  ],
  // 100, 300, 500, 1000, 2000 and 4000 seconds from code to completed enrolment.
  timeToEnrol: {
    buckets: [
      { le: 60, count: 0 },
      { le: 300, count: 2 },
      { le: 600, count: 3 },
      { le: 1800, count: 4 },
      { le: 3600, count: 5 },
      { le: 7200, count: 6 },
      { le: 14_400, count: 6 },
      { le: 28_800, count: 6 },
      { le: 86_400, count: 6 },
      { le: null, count: 6 },
    ],
    medianSeconds: 500,
    p90Seconds: 4000,
  },
  dropOffByStep: [
    { step: 'code', count: 0 },
    { step: 'confirm', count: 1 },
    { step: 'ceremony', count: 0 },
    { step: 'codes', count: 0 },
  ],
  refusals: [
    { reason: 'code:wrong_code', count: 1 },
    { reason: 'factor:synced_passkey', count: 1 },
  ],
  recoveries: [
    { method: 'helpdesk-code', count: 1 },
    { method: 'recovery-code', count: 1 },
  ],
  helpdesk: { requests: 2, approved: 1, denied: 1, medianSecondsToApproval: 120 },
  // Two recoveries over six people with an active factor.
  resetsPer100Users: 33.33,
};

/** Prometheus text: each sample as name, labels and value. */
function samples(body: string): { name: string; labels: Record<string, string>; value: number }[] {
  return body
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match?.[1] || !match[3]) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const m of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) if (m[1] && m[2] !== undefined) labels[m[1]] = m[2];
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

function sample(name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(metrics).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('a scripted day of enrolments', () => {
  it('the funnel endpoint shows exactly the day', () => {
    expect(report).toMatchObject(EXPECTED);
    expect(Date.parse(report.until) - Date.parse(report.since)).toBe(86_400_000);
  });

  it('the report command gives the same numbers, as JSON and as text', () => {
    expect(FunnelReport.parse(reportJson)).toEqual(report);
    const text = reportLines.join('\n');
    expect(text).toMatch(/codes issued\s+10 \(100 %\)/);
    expect(text).toMatch(/sessions opened\s+8 \(80 %\)/);
    expect(text).toMatch(/factors registered\s+7 \(70 %\)/);
    expect(text).toMatch(/completed\s+6 \(60 %\)/);
    expect(text).toContain('standard / security-key: factors registered 2, completed 1');
    expect(text).toContain('median 8 min, 90th percentile 67 min');
    expect(text).toMatch(/confirm\s+1\n/);
    expect(text).toMatch(/factor:synced_passkey\s+1/);
    expect(text).toMatch(/helpdesk-code\s+1/);
    expect(text).toContain('Help desk: 2 requests, 1 approved, 1 denied; median time to approval 2 min');
    expect(text).toContain('per 100 active users: 33.33');
  });

  it('/metrics shows the same numbers', () => {
    for (const row of EXPECTED.byTier)
      for (const { stage, count } of row.stages)
        expect(
          sample('firstkey_enrolment_funnel', { stage, tier: row.tier, factor_kind: row.factorKind ?? 'all' }),
          `${row.tier} ${row.factorKind} ${stage}`,
        ).toBe(count);
    for (const { le, count } of EXPECTED.timeToEnrol.buckets)
      expect(sample('firstkey_time_to_enrol_seconds_bucket', { le: le === null ? '+Inf' : String(le) })).toBe(count);
    expect(sample('firstkey_time_to_enrol_seconds_count')).toBe(6);
    expect(sample('firstkey_time_to_enrol_seconds_sum')).toBe(100 + 300 + 500 + 1000 + 2000 + 4000);
    for (const { step, count } of EXPECTED.dropOffByStep) expect(sample('firstkey_enrolment_drop_off', { step })).toBe(count);
    for (const { reason, count } of EXPECTED.refusals) expect(sample('firstkey_refusals', { reason })).toBe(count);
    for (const { method, count } of EXPECTED.recoveries) expect(sample('firstkey_recoveries', { method })).toBe(count);
    expect(sample('firstkey_helpdesk_requests', { outcome: 'filed' })).toBe(2);
    expect(sample('firstkey_helpdesk_requests', { outcome: 'approved' })).toBe(1);
    expect(sample('firstkey_helpdesk_requests', { outcome: 'denied' })).toBe(1);
    expect(sample('firstkey_helpdesk_median_seconds_to_approval')).toBe(120);
    expect(sample('firstkey_resets_per_100_users')).toBe(33.33);
    expect(sample('firstkey_metrics_period_seconds')).toBe(86_400);
    // The process's own metrics come along, on this registry.
    expect(sample('firstkey_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
  });

  it('no metric, report or funnel answer carries a name, a code, a device name or an id', () => {
    const bodies = { metrics, report: JSON.stringify(report), text: reportLines.join('\n') };
    for (const secret of secrets.filter((s) => s.length >= 4))
      for (const [where, body] of Object.entries(bodies)) expect(body.includes(secret), `${where} holds ${secret}`).toBe(false);
  });

  it('every friction label value comes from a closed set', () => {
    const closed: Record<string, ReadonlySet<string>> = {
      stage: new Set(['codes_issued', 'sessions_opened', 'factors_registered', 'completed']),
      tier: new Set([...Object.keys(DEFAULT_POLICY.tiers), 'unknown']),
      factor_kind: new Set(['all', 'passkey', 'security-key', 'other']),
      step: new Set(JourneyStep.options),
      reason: REFUSAL_LABELS,
      method: new Set([...RECOVERY_METHODS, 'other']),
      outcome: new Set(['filed', 'approved', 'denied']),
      le: new Set([...TIME_TO_ENROL_BUCKETS.map(String), '+Inf']),
    };
    const friction = samples(metrics).filter((s) => !s.name.startsWith('firstkey_process_') && !s.name.startsWith('firstkey_nodejs_'));
    expect(friction.length).toBeGreaterThan(30);
    for (const { name, labels } of friction)
      for (const [label, value] of Object.entries(labels)) {
        expect(closed[label], `${name} has an unexpected label ${label}`).toBeDefined();
        expect(closed[label]?.has(value), `${name}{${label}="${value}"}`).toBe(true);
      }
  });

  it('the step timings are kept with the session id and tier only', async () => {
    const rows = await api.db.selectFrom('step_timings').selectAll().orderBy('session_id').orderBy('position').execute();
    expect(rows.map((r) => Object.keys(r).sort())).toEqual(rows.map(() => ['ms', 'position', 'recorded_at', 'session_id', 'step', 'tier']));
    expect(rows.map((r) => [r.step, r.ms, r.tier]).sort()).toEqual(
      [
        ['code', 5000, 'standard'],
        ['confirm', 3000, 'standard'],
        ['ceremony', 8000, 'standard'],
        ['codes', 4000, 'standard'],
        ['code', 4000, 'contractor'],
        ['confirm', 60_000, 'contractor'],
      ].sort(),
    );
  });

  it('/metrics and the funnel need an operator with metrics:read', async () => {
    expect((await fetch(`${api.server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.server.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expectRefusal(await api.admin('funnelReport', { query: { since: 'forever' } }), 400, 'invalid_request');
    expect((await fetch(`${api.server.url}/metrics?since=forever`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(
      400,
    );
  });
});
