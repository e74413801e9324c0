import type { DeviceSignals } from '../../api/enrolment.js';
import { UNKNOWN, type DevicePosture, type PostureShortfall } from '../../api/posture.js';
import { appendAuditIn } from '../audit.js';
import type { Executor, ServiceDeps } from '../context.js';
import { transaction } from '../db/transaction.js';
import type { UserRow } from '../db/schema.js';
import { ApiFailure } from '../errors.js';
import type { ResolvedTier } from '../policy/evaluate.js';
import { postureShortfalls } from './decide.js';
import type { PostureCheckpoint } from './requirement.js';

export interface PostureCheck {
  user: UserRow;
  resolved: ResolvedTier;
  deviceId: string;
  signals: DeviceSignals;
  checkpoint: PostureCheckpoint;
}

/**
 * The posture as the server holds it: every signal self-reported, whatever the app claimed. The app
 * cannot vouch for itself; a verified signal would come from a statement the server checks (api/posture.ts).
 */
function asHeld(posture: DevicePosture): DevicePosture {
  const held = <S extends { source: string }>(signal: S): S => ({ ...signal, source: 'self-reported' });
  return {
    diskEncryption: held(posture.diskEncryption),
    screenLock: held(posture.screenLock),
    managed: held(posture.managed),
    os: held(posture.os),
  };
}

/** One flat line per signal for the audit trail (its details hold only plain values). */
function summary(posture: DevicePosture): Record<string, string | boolean> {
  const os = posture.os.value;
  return {
    diskEncryption: posture.diskEncryption.value,
    screenLock: posture.screenLock.value,
    managed: posture.managed.value,
    os: os === UNKNOWN ? UNKNOWN : `${os.family} ${os.version}`,
    source: 'self-reported',
  };
}

function unmetLine(unmet: readonly PostureShortfall[]): string {
  return unmet.map((s) => `${s.requirement}=${String(s.reported)}`).join(',');
}

/** Keeps the device's reported posture; audits it only when it differs from the one held. */
async function recordIn(tx: Executor, deps: Pick<ServiceDeps, 'clock'>, check: PostureCheck, posture: DevicePosture): Promise<void> {
  const now = deps.clock.now().toISOString();
  const json = JSON.stringify(posture);
  const held = await tx.selectFrom('device_posture').select('posture').where('device_id', '=', check.deviceId).executeTakeFirst();
  if (held?.posture === json) {
    await tx.updateTable('device_posture').set({ last_seen_at: now }).where('device_id', '=', check.deviceId).execute();
    return;
  }
  await tx
    .insertInto('device_posture')
    .values({ device_id: check.deviceId, posture: json, source: 'self-reported', reported_at: now, last_seen_at: now })
    .onConflict((oc) => oc.column('device_id').doUpdateSet({ posture: json, source: 'self-reported', reported_at: now, last_seen_at: now }))
    .execute();
  await appendAuditIn(tx, deps.clock, {
    event: 'device.posture_recorded',
    actor: check.user.username,
    userId: check.user.id,
    details: { deviceId: check.deviceId, checkpoint: check.checkpoint, ...summary(posture) },
  });
}

/**
 * Records the posture the device reported with its device record and refuses the session when the
 * tier requires more at this checkpoint. Callers run it before spending anything (the code, its
 * tries, a confirmation): the refusal leaves the code as it was, so the same code works once the
 * device is fixed. The record and the refusal's audit row commit together.
 */
export async function admitPosture(deps: Pick<ServiceDeps, 'db' | 'clock'>, check: PostureCheck): Promise<void> {
  const required = check.resolved.tier.devicePosture;
  const reported = check.signals.posture ? asHeld(check.signals.posture) : undefined;
  const unmet = required?.checkAt.includes(check.checkpoint) ? postureShortfalls(required, check.signals.platform, reported) : [];
  if (!reported && unmet.length === 0) return;
  await transaction(deps.db, async (tx) => {
    if (reported) await recordIn(tx, deps, check, reported);
    if (unmet.length === 0) return;
    await appendAuditIn(tx, deps.clock, {
      event: 'device.posture_refused',
      actor: check.user.username,
      userId: check.user.id,
      details: {
        deviceId: check.deviceId,
        checkpoint: check.checkpoint,
        tier: check.resolved.name,
        // The first unmet requirement names the refusal in the friction funnel (server/friction/reasons.ts).
        reason: unmet[0]?.requirement ?? null,
        unmet: unmetLine(unmet),
        platform: check.signals.platform,
        reportedPosture: reported !== undefined,
      },
    });
  });
  if (unmet.length === 0) return;
  const refusal = new ApiFailure(
    'device_posture_insufficient',
    `this device does not meet its tier's device posture: ${unmet.map((s) => s.requirement).join(', ')}`,
  );
  refusal.posture = { platform: check.signals.platform, unmet };
  throw refusal;
}
