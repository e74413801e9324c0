import type { FunnelReport } from '../../api/friction.js';

const STAGE_NAMES = {
  codes_issued: 'codes issued',
  sessions_opened: 'sessions opened',
  factors_registered: 'factors registered',
  completed: 'completed',
} as const;

function percent(part: number, whole: number): string {
  return whole === 0 ? '' : ` (${Math.round((part / whole) * 100)} %)`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return 'none';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function bucketName(le: number | null): string {
  return le === null ? 'longer' : `<= ${duration(le)}`;
}

/** The funnel report as an operator reads it in a terminal: the same numbers as the JSON, in words. */
export function reportText(r: FunnelReport): string[] {
  const first = r.stages[0]?.count ?? 0;
  const lines = [`Enrolment friction from ${r.since} to ${r.until}`, '', 'Funnel (enrolment codes reaching each stage):'];
  for (const { stage, count } of r.stages)
    lines.push(`  ${STAGE_NAMES[stage].padEnd(20)} ${String(count).padStart(6)}${percent(count, first)}`);
  lines.push('', 'By tier and factor kind:');
  if (r.byTier.length === 0) lines.push('  none');
  for (const row of r.byTier) {
    const counts = row.stages.map(({ stage, count }) => `${STAGE_NAMES[stage]} ${count}`).join(', ');
    lines.push(`  ${row.tier}${row.factorKind ? ` / ${row.factorKind}` : ''}: ${counts}`);
  }
  const t = r.timeToEnrol;
  lines.push(
    '',
    `Time from code to first completed enrolment: median ${duration(t.medianSeconds)}, 90th percentile ${duration(t.p90Seconds)}`,
  );
  let below = 0;
  for (const { le, count } of t.buckets) {
    lines.push(`  ${bucketName(le).padEnd(12)} ${String(count - below).padStart(6)}`);
    below = count;
  }
  lines.push('', 'Drop-off (last step of sessions that never completed):');
  for (const { step, count } of r.dropOffByStep) lines.push(`  ${step.padEnd(20)} ${String(count).padStart(6)}`);
  lines.push('', 'Refusals by reason:');
  if (r.refusals.length === 0) lines.push('  none');
  for (const { reason, count } of r.refusals) lines.push(`  ${reason.padEnd(40)} ${String(count).padStart(6)}`);
  lines.push('', 'Recoveries by method:');
  if (r.recoveries.length === 0) lines.push('  none');
  for (const { method, count } of r.recoveries) lines.push(`  ${method.padEnd(20)} ${String(count).padStart(6)}`);
  const h = r.helpdesk;
  lines.push(
    '',
    `Help desk: ${h.requests} requests, ${h.approved} approved, ${h.denied} denied; median time to approval ${duration(h.medianSecondsToApproval)}`,
    `Resets (recoveries and replacements) per 100 active users: ${r.resetsPer100Users}`,
    `Movers: ${r.movers.moves} role changes, ${r.movers.nonCompliant} factors non-compliant, ${r.movers.restored} restored, ${r.movers.suspended} suspended at the grace end`,
  );
  return lines;
}
